"""Seam's words for locks, in a property manager's words: manufacturer names, device error and warning
codes (what they mean, what to do), and locks that are offline by design.

The one table of device codes; `accesscodes.explanations` holds the access-code codes and falls back to
this one for the device errors Seam also reports on a lock's codes. Sources: ../shared/SEAM_NOTES.md §3 and
Seam's device guides.
"""

from dataclasses import dataclass

# Seam's manufacturer keys -> the name the maker uses. Unknown keys are shown readably (`manufacturer_name`).
MANUFACTURER_NAMES = {
    "august": "August",
    "schlage": "Schlage",
    "yale": "Yale",
    "igloohome": "igloohome",
    "dormakaba_oracode": "dormakaba Oracode",
    "ultraloq": "Ultraloq",
    "lockly": "Lockly",
    "kwikset": "Kwikset",
    "nuki": "Nuki",
    "tedee": "tedee",
    "salto": "Salto KS",
    "ttlock": "TTLock",
    "smartthings": "SmartThings",
    "wyze": "Wyze",
    "brivo": "Brivo",
    "four_suites": "4SUITES",
}


def manufacturer_name(key: str | None) -> str:
    """The maker's own spelling for Seam's key ("dormakaba_oracode" -> "dormakaba Oracode")."""
    key = (key or "").strip()
    if not key:
        return "Unknown maker"
    return MANUFACTURER_NAMES.get(key.lower(), key.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Explanation:
    """One Seam code: a short title, what it means, what to do about it, and the button that does it
    where the portal has one ("retry": send it again; "backup": pull a backup code)."""

    title: str
    meaning: str
    todo: str = ""
    action: str = ""


@dataclass(frozen=True)
class IssueWords:
    """One error or warning as a page shows it."""

    code: str
    severity: str  # "error" or "warning"
    title: str
    meaning: str
    todo: str
    action: str
    seam_message: str
    known: bool

    @property
    def sentence(self) -> str:
        return f"{self.meaning} {self.todo}".strip()


class IssueTable:
    """Explanations for Seam's error and warning codes; `fallback` answers codes this table lacks."""

    def __init__(self, *, errors: dict, warnings: dict, fallback: "IssueTable | None" = None):
        self.errors = errors
        self.warnings = warnings
        self.fallback = fallback

    def lookup(self, code: str, severity: str) -> Explanation | None:
        known = (self.errors if severity == "error" else self.warnings).get(code)
        if known is None and self.fallback is not None:
            return self.fallback.lookup(code, severity)
        return known

    def words(self, issue: dict) -> IssueWords:
        """The explanation of one Seam error/warning object; an unknown code keeps its raw name and
        Seam's own message, so it still reads as something."""
        severity = "error" if "error_code" in issue else "warning"
        code = str(issue.get("error_code") or issue.get("warning_code") or "unknown")
        seam_message = str(issue.get("message") or "")
        known = self.lookup(code, severity)
        if known is None:
            return IssueWords(
                code=code,
                severity=severity,
                title=code.replace("_", " ").capitalize(),
                meaning=seam_message or f"Seam reported “{code}” without details.",
                todo="",
                action="",
                seam_message=seam_message,
                known=False,
            )
        return IssueWords(
            code=code,
            severity=severity,
            title=known.title,
            meaning=known.meaning,
            todo=known.todo,
            action=known.action,
            seam_message=seam_message,
            known=True,
        )


DEVICE_ERRORS = {
    "account_disconnected": Explanation(
        "Account disconnected",
        "The lock maker's account this lock belongs to is disconnected from Seam, so no code can be set or "
        "removed.",
        "Reconnect the account (sign in to the maker's account again through Seam).",
    ),
    "device_offline": Explanation(
        "Lock offline",
        "The lock is offline: codes will be set when it reconnects.",
        "Check the lock's batteries and its Wi-Fi or bridge; codes due soon may need a backup code.",
    ),
    "device_disconnected": Explanation(
        "Lock disconnected",
        "Seam cannot reach the lock through its maker's service.",
        "Check the lock's power and its Wi-Fi or bridge, then sync the devices again.",
    ),
    "device_removed": Explanation(
        "Lock removed",
        "The lock was removed from Seam or from its maker's account.",
        "Add it back in the maker's app if it is still in use; its codes can no longer be managed here.",
    ),
    "hub_disconnected": Explanation(
        "Hub or bridge disconnected",
        "The lock's hub or bridge is disconnected: codes wait until it is back.",
        "Check the hub's power and internet connection.",
    ),
    "empty_backup_access_code_pool": Explanation(
        "No backup codes left",
        "The lock's pool of backup codes is empty, so no backup code can be handed out.",
        "Wait for Seam to refill the pool, or make sure the lock is online so it can.",
    ),
    "august_lock_not_authorized": Explanation(
        "August: not authorised",
        "The August account connected to Seam is not allowed to manage this lock.",
        "Give that account owner or admin access to the lock in the August app.",
    ),
    "august_lock_missing_bridge": Explanation(
        "August: no bridge",
        "The August lock has no Wi-Fi bridge (Connect), so Seam cannot reach it.",
        "Pair a Connect bridge with the lock in the August app.",
    ),
    "ttlock_lock_not_paired_to_gateway": Explanation(
        "TTLock: no gateway",
        "The TTLock lock is not paired with a gateway, so Seam cannot reach it.",
        "Pair the lock with a gateway in the TTLock app.",
    ),
}

DEVICE_WARNINGS = {
    "device_has_flaky_connection": Explanation(
        "Unstable connection",
        "The lock often drops its connection, so codes may take longer to be set.",
        "Move its bridge or Wi-Fi access point closer, or check the batteries.",
    ),
    "max_access_codes_reached": Explanation(
        "Lock full",
        "The lock holds as many codes as it can; new codes cannot be set.",
        "Delete codes that are no longer needed.",
    ),
    "ultraloq_time_zone_unknown": Explanation(
        "Ultraloq: time zone unknown",
        "The lock's time zone is not known, so codes with a start and an end cannot be set on it (permanent "
        "codes still work).",
        "Set the lock's time zone in the Ultraloq app, then sync the devices again.",
    ),
    "lockly_time_zone_not_configured": Explanation(
        "Lockly: no time zone",
        "The lock has no time zone configured, so codes with a start and an end cannot be set on it.",
        "Set the time zone in the Lockly app, then sync the devices again.",
    ),
    "many_active_backup_codes": Explanation(
        "Many backup codes in use",
        "Many of the lock's backup codes are in use, so few are left for failed codes.",
        "Find out why codes fail to set on this lock (offline? full?).",
    ),
    "partial_backup_access_code_pool": Explanation(
        "Backup pool not full",
        "The lock's pool of backup codes is only partly filled.",
        "Nothing to do unless codes fail to set; Seam keeps refilling it while the lock is online.",
    ),
}

DEVICE_ISSUES = IssueTable(errors=DEVICE_ERRORS, warnings=DEVICE_WARNINGS)


def device_issue_words(issue: dict) -> IssueWords:
    return DEVICE_ISSUES.words(issue)


def is_offline_by_design(device) -> bool:
    """A lock without a bridge (igloohome, dormakaba Oracode) is never online: it takes offline codes only,
    and being offline is not a fault."""
    return not device.online and not device.can_program_online_access_codes
