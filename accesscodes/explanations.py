"""What Seam's access-code error and warning codes mean for a property manager, and what to do about them.

The one table of access-code codes; device errors Seam also reports on a lock's codes (account_disconnected,
device_offline, ...) are answered by the device table (`devices.explanations`). An entry's `action` is the
button the code's page offers next to it.
"""

from devices.explanations import DEVICE_ISSUES, Explanation, IssueTable, IssueWords

RETRY, BACKUP = "retry", "backup"

ACCESS_CODE_ERRORS = {
    "failed_to_set_on_device": Explanation(
        "Not set on the lock",
        "The lock did not accept the code.",
        "Check the lock is online and has room, then retry; if the guest arrives soon, pull a backup code "
        "(codes created with the backup pool).",
        RETRY,
    ),
    "failed_to_remove_from_device": Explanation(
        "Not removed from the lock",
        "The lock did not remove the code. It may still open the door.",
        "Retry; if it keeps failing, delete the code at the lock or in the maker's app.",
        RETRY,
    ),
    "code_modified_external_to_seam": Explanation(
        "Changed outside Seam",
        "Someone changed or removed this code outside Seam (for example in the lock's app).",
        "Nothing to do: Seam is putting it back as the portal defined it.",
    ),
    "duplicate_code_on_device": Explanation(
        "PIN already on the lock",
        "The lock already has this PIN.",
        "Change this code to another PIN.",
    ),
    "duplicate_code_attempt_prevented": Explanation(
        "Duplicate prevented",
        "Seam stopped a duplicate of an existing code on this lock.",
        "Change this code to another PIN.",
    ),
    "no_space_for_access_code_on_device": Explanation(
        "Lock full",
        "The lock is full: it holds as many codes as it can.",
        "Delete codes that are no longer needed, then retry.",
        RETRY,
    ),
    "replaced_by_newer_access_code": Explanation(
        "Replaced",
        "A newer code replaced this one on the lock.",
        "Give the guest the newer code.",
    ),
    "access_code_state_unconfirmed": Explanation(
        "Not confirmed",
        "Seam cannot confirm the code is on the lock; it keeps checking.",
        "Test the code at the door if the guest arrives soon.",
    ),
    "insufficient_permissions": Explanation(
        "No permission",
        "The connected account lacks permission to manage codes on this lock.",
        "Give the account owner or admin access to the lock in the maker's app, then retry.",
        RETRY,
    ),
    "provider_issue": Explanation(
        "Lock maker's service problem",
        "The lock maker's service reported a problem.",
        "Nothing to do yet: Seam retries automatically.",
    ),
    # Found by the portal, not Seam: Seam processed a create late and the lock holds two copies.
    "duplicate_on_lock": Explanation(
        "Two copies on the lock",
        "Seam created this code twice on the lock. The extra copy could not be deleted: it opens the door "
        "until it expires.",
        "Delete the extra copy at the lock or in the maker's app if it must stop working earlier.",
    ),
}

ACCESS_CODE_WARNINGS = {
    "delay_in_setting_on_device": Explanation(
        "Slow to set",
        "Setting the code on the lock is taking longer than usual.",
        "Check the lock is online; pull a backup code if the guest arrives soon.",
        BACKUP,
    ),
    "delay_in_removing_from_device": Explanation(
        "Slow to remove",
        "Removing the code from the lock is taking longer than usual.",
        "Check the lock is online; the code may still open the door meanwhile.",
    ),
    "being_deleted": Explanation("Being deleted", "The code is being deleted.", "Nothing to do."),
    "code_modified_external_to_seam": Explanation(
        "Changed outside Seam",
        "The code was changed outside Seam; external changes are allowed for it.",
        "Nothing to do, unless the change was not wanted.",
    ),
    "using_backup_access_code": Explanation(
        "Backup code in use",
        "A backup code from the lock's pool is in use instead of the original.",
        "Give the guest the backup code shown on this page.",
    ),
    "management_transferred": Explanation(
        "Managed elsewhere",
        "Management of this code moved to another Seam workspace or integration.",
        "Manage it there; changes made here no longer reach the lock.",
    ),
    "igloo_algopin_must_be_used_within_24_hours": Explanation(
        "igloohome: use within 24 hours",
        "The guest must use this PIN within 24 hours of its start, or it stops working.",
        "Tell the guest to enter it once on the first day.",
    ),
    "schlage_access_code_ambiguous_timezone_dst_risk": Explanation(
        "Schlage: daylight-saving risk",
        "A daylight-saving change may shift this code's hours by one.",
        "Allow an hour's margin at check-in and check-out around the clock change.",
    ),
    "ultraloq_access_code_disabled": Explanation(
        "Ultraloq: disabled",
        "The code is disabled in the Ultraloq app.",
        "Re-enable it in the Ultraloq app: only that app can.",
    ),
}

ACCESS_CODE_ISSUES = IssueTable(
    errors=ACCESS_CODE_ERRORS, warnings=ACCESS_CODE_WARNINGS, fallback=DEVICE_ISSUES
)


def access_code_issue_words(issue: dict) -> IssueWords:
    return ACCESS_CODE_ISSUES.words(issue)


def explain(issue: dict) -> str:
    """One sentence for one Seam error or warning object (the code's history, its list row)."""
    return access_code_issue_words(issue).sentence
