"""Data types and the generic rule set every lock gets; brand modules subclass `Provider`.

Sources: Seam's access-code guides ("Creating Access Codes", "Managing Offline Access Codes", the
access codes overview, "Creating Ultraloq Access Codes") and its API reference.

Generic rules (all brands, before brand rules):
- starts_at and ends_at both or neither ("Both starts_at and ends_at must be provided together", Seam's
  own error; ongoing codes start right away). One guide lets an ongoing code carry a lone starts_at;
  the overview, the Ultraloq guide and Kwikset's guide say otherwise, so both-or-neither wins, except
  where a brand gives a code sent with a start only its own end (`Provider.implied_ends_at`: igloohome
  one-time-use codes last 24 hours).
- ends_at after starts_at ("ends_at must be after starts_at") and in the future (Seam create docs:
  "Must be a time in the future and after starts_at").
- code: digits only, 4-12 (Seam API format); a brand may narrow the range (Ultraloq 4-8 ...).
- online codes need can_program_online_access_codes, offline ones can_program_offline_access_codes,
  and offline codes are time-bound (Seam's guides only describe time-bound offline codes).
- one-time-use: offline, with starts_at, on a brand that supports it (igloohome, Lockly).
- max_time_rounding in 1hour|1h|1day|1d; brands that round (igloohome daily codes) compare the
  rounding they need against it (Seam errors if the rounding needed exceeds it).
- use_backup_access_code_pool: not for offline codes, only time-bound codes (backup codes can only be
  pulled for time_bound codes), not on Lockly/Salto or devices reporting
  supports_backup_access_code_pool false (Seam "Backup access codes" guide).
- PIN uniqueness: against others whose *occupancy* overlaps (window widened by the 72 h native
  preload, ongoing = forever). Not against all others: the same guest PIN for two stays weeks apart is
  legitimate and common for booking flows, and the lock only ever holds codes in their occupancy.
- max_active_codes_supported: the peak number of other codes occupying the lock at once during this
  code's occupancy, plus this one (plain count when all overlap).
- updates (previous given): offline codes cannot change at all; a code cannot switch
  between online/offline or one-time/not; an unchanged draft is not re-judged (nothing goes to Seam).
- names: device-reported name_length/name_must_be_unique (plus brand bounds). Seam would silently
  truncate or decorate a name (overview, "Access Code Names"); the portal refuses instead, so what
  staff type is what the lock shows. An empty name is left to Seam.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from . import device_constraints as dc
from .windows import DAY, HOUR, as_utc, occupancy, overlaps, peak_overlap, relative_text

NON_FIELD = "__all__"

BOTH_TOGETHER = "Both starts_at and ends_at must be provided together"
ENDS_AFTER_STARTS = "ends_at must be after starts_at"

ROUNDING_ALLOWANCES = {"1hour": HOUR, "1h": HOUR, "1day": DAY, "1d": DAY}

API_CODE_LENGTH = (4, 12)


@dataclass(frozen=True)
class DeviceFacts:
    manufacturer: str
    can_program_online_access_codes: bool
    can_program_offline_access_codes: bool
    supported_code_lengths: tuple[int, ...] = ()
    max_active_codes_supported: int | None = None
    code_constraints: tuple[dict, ...] = ()
    timezone: str | None = None
    warning_codes: tuple[str, ...] = ()
    properties: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class CodeDraft:
    name: str = ""
    code: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    is_offline_access_code: bool = False
    is_one_time_use: bool = False
    max_time_rounding: str = "1hour"
    use_backup_access_code_pool: bool = False


@dataclass(frozen=True)
class OtherCode:
    code: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    is_offline_access_code: bool
    is_one_time_use: bool
    name: str = ""


@dataclass(frozen=True)
class FormOptions:
    """Which of the code form's choices mean something on this lock (the form shows only these).

    `pin_note` says when a chosen PIN is taken by one kind of code only (igloohome with a bridge: online
    codes take one, offline algoPINs are generated)."""

    online: bool
    offline: bool
    custom_pin: bool
    pin_note: str = ""
    one_time_use: bool = False
    # How long a one-time-use code sent with a start only lasts (igloohome: 24 h); None: it needs an end.
    one_time_use_lasts: timedelta | None = None
    time_rounding: bool = False
    backup_pool: bool = False

    @property
    def offline_only(self) -> bool:
        return self.offline and not self.online


class Errors:
    """field -> messages, in insertion order, without repeats."""

    def __init__(self) -> None:
        self._by_field: dict[str, list[str]] = {}

    def add(self, field_name: str, message: str) -> None:
        messages = self._by_field.setdefault(field_name, [])
        if message not in messages:
            messages.append(message)

    def as_dict(self) -> dict[str, list[str]]:
        return {name: list(messages) for name, messages in self._by_field.items()}


def _utc_draft(draft: CodeDraft) -> CodeDraft:
    return dataclasses.replace(draft, starts_at=as_utc(draft.starts_at), ends_at=as_utc(draft.ends_at))


def _utc_other(other: OtherCode) -> OtherCode:
    starts_at, ends_at = as_utc(other.starts_at), as_utc(other.ends_at)
    if starts_at is other.starts_at and ends_at is other.ends_at:
        return other  # already UTC (as read from the database): a lock's every code is judged per draft
    return dataclasses.replace(other, starts_at=starts_at, ends_at=ends_at)


def clean_code(code: str | None) -> str | None:
    """The PIN as Seam would receive it; None when left for Seam to generate."""
    code = (code or "").strip()
    return code or None


def digits_problem(code: str, low: int, high: int) -> str | None:
    """Why the code is not `low`-`high` ASCII digits, phrased without quoting it; None when fine."""
    if not (code.isascii() and code.isdigit()):
        return "contains characters other than the digits 0-9"
    if not low <= len(code) <= high:
        return f"has {len(code)} digits"
    return None


@dataclass(frozen=True)
class Check:
    """Everything a rule looks at, with every datetime in aware UTC."""

    device: DeviceFacts
    draft: CodeDraft
    others: tuple[OtherCode, ...]
    previous: CodeDraft | None
    now: datetime

    @classmethod
    def build(cls, *, device, draft, others, previous, now) -> Check:
        return cls(
            device=device,
            draft=_utc_draft(draft),
            others=tuple(_utc_other(o) for o in others),
            previous=None if previous is None else _utc_draft(previous),
            now=as_utc(now),
        )

    @property
    def is_update(self) -> bool:
        return self.previous is not None

    @property
    def code(self) -> str | None:
        return clean_code(self.draft.code)

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        if self.draft.starts_at is None or self.draft.ends_at is None:
            return None
        return self.draft.starts_at, self.draft.ends_at

    def changed(self, field_name: str) -> bool:
        """True on create, or when an update changes this field (time-relative rules use this)."""
        return self.previous is None or getattr(self.previous, field_name) != getattr(self.draft, field_name)

    def occupancy(self):
        return occupancy(self.draft.starts_at, self.draft.ends_at)


class Provider:
    """The generic rule set; a brand subclasses it, sets class attributes and adds `brand_rules`."""

    key: ClassVar[str] = "generic"
    brand: ClassVar[str] = ""  # display name in messages ("igloohome"); empty for the generic set
    code_length: ClassVar[tuple[int, int]] = API_CODE_LENGTH
    name_length: ClassVar[tuple[int, int] | None] = None
    implied_constraints: ClassVar[frozenset[str]] = frozenset()
    supports_one_time_use: ClassVar[bool] = False
    supports_backup_pool: ClassVar[bool] = True
    code_noun: ClassVar[str] = ""  # "igloohome online (bridge) codes"; defaults to "<brand> codes"
    # Whether Seam rounds this brand's offline windows, so that max_time_rounding means something.
    rounds_offline_windows: ClassVar[bool] = False

    # ----- hooks a brand overrides -------------------------------------------------------------

    def timezone_name(self, device: DeviceFacts) -> str | None:
        """The IANA zone the lock keeps time in, when the device reports one we can trust."""
        return device.timezone or None

    def custom_code_refusal(self, device: DeviceFacts, draft: CodeDraft) -> str | None:
        """Why this draft may not carry a chosen PIN; None when it may."""
        if dc.CANNOT_SPECIFY_PIN in self.constraint_types(device):
            return "This lock's provider generates the PIN (cannot_specify_pin_code): leave the code empty."
        return None

    def code_format_error(self, draft: CodeDraft, code: str) -> str | None:
        low, high = self.code_length
        problem = digits_problem(code, low, high)
        if problem is None:
            return None
        return f"{self._code_noun('Access codes')} must be {low} to {high} digits (0-9 only); this one {problem}."

    def implied_ends_at(self, draft: CodeDraft) -> datetime | None:
        """The end the lock gives a code created with a start only; None when the code needs an end."""
        return None

    def brand_rules(self, check: Check, errors: Errors) -> None:
        """Rules on top of the generic ones."""

    def brand_description(self, device: DeviceFacts) -> list[str]:
        return []

    def modification_block_reason(self, device: DeviceFacts, code: CodeDraft) -> str | None:
        if code.is_offline_access_code:
            # Seam: "You cannot modify a created offline access code."
            return (
                "Offline access codes cannot be changed once created. Create a new code with the new "
                "details and share that one instead; this one stays valid until it ends."
            )
        return None

    def deletion_block_reason(self, device: DeviceFacts, code: CodeDraft) -> str | None:
        if code.is_offline_access_code:
            # Seam: offline codes cannot be revoked before they expire.
            return (
                "Offline access codes cannot be revoked before they expire. Let it expire, or "
                "invalidate it at the lock: factory-reset the lock or re-pair your phone with it."
            )
        return None

    def form_options(self, device: DeviceFacts) -> FormOptions:
        online, offline = device.can_program_online_access_codes, device.can_program_offline_access_codes
        kinds = [kind for kind, possible in ((False, online), (True, offline)) if possible]
        refusals = {
            kind: self.custom_code_refusal(device, CodeDraft(is_offline_access_code=kind)) for kind in kinds
        }
        custom_pin = any(refusal is None for refusal in refusals.values())
        # The same rule answers why one kind of code takes no chosen PIN.
        partial = [refusal for refusal in refusals.values() if refusal] if custom_pin else []
        probe = CodeDraft(
            starts_at=datetime(2030, 1, 1, tzinfo=UTC), is_offline_access_code=True, is_one_time_use=True
        )
        implied_end = self.implied_ends_at(probe) if offline and self.supports_one_time_use else None
        return FormOptions(
            online=online,
            offline=offline,
            custom_pin=custom_pin,
            pin_note=partial[0] if partial else "",
            one_time_use=offline and self.supports_one_time_use,
            one_time_use_lasts=None if implied_end is None else implied_end - probe.starts_at,
            time_rounding=offline and self.rounds_offline_windows,
            backup_pool=online
            and self.supports_backup_pool
            and device.properties.get("supports_backup_access_code_pool") is not False,
        )

    # ----- shared helpers ------------------------------------------------------------------------

    def earliest_start(self, device: DeviceFacts, now: datetime) -> datetime | None:
        """The earliest start a new time-bound code may have on this lock, when its rules set one."""
        if dc.START_IN_FUTURE in self.constraint_types(device):
            return now + timedelta(minutes=1)
        return None

    def constraint_types(self, device: DeviceFacts) -> frozenset[str]:
        return dc.constraint_types(device.code_constraints) | self.implied_constraints

    def name_bounds(self, device: DeviceFacts) -> tuple[int | None, int | None]:
        low, high = dc.name_length_bounds(device.code_constraints)
        if self.name_length:
            low = self.name_length[0] if low is None else max(low, self.name_length[0])
            high = self.name_length[1] if high is None else min(high, self.name_length[1])
        return low, high

    def _code_noun(self, default: str) -> str:
        return self.code_noun or (f"{self.brand} codes" if self.brand else default)

    def _constraint_target(self, constraint: str) -> str:
        return f"{self.brand} locks" if self.brand and constraint in self.implied_constraints else "this lock"

    # ----- the engine ----------------------------------------------------------------------------

    def validate(self, check: Check) -> dict[str, list[str]]:
        if check.previous is not None and check.previous == check.draft:
            return {}  # nothing would be sent to Seam
        errors = Errors()
        if check.previous is not None:
            reason = self.modification_block_reason(check.device, check.previous)
            if reason:
                errors.add(NON_FIELD, reason)
                return errors.as_dict()
            self._check_kind_is_kept(check, errors)
        self._check_rounding_value(check, errors)
        self._check_window(check, errors)
        self._check_capabilities(check, errors)
        self._check_one_time_use(check, errors)
        self._check_backup_pool(check, errors)
        self._check_code(check, errors)
        self._check_name(check, errors)
        self._check_capacity(check, errors)
        self.brand_rules(check, errors)
        return errors.as_dict()

    def _check_kind_is_kept(self, check: Check, errors: Errors) -> None:
        previous, draft = check.previous, check.draft
        if previous.is_offline_access_code != draft.is_offline_access_code:
            errors.add(
                "is_offline_access_code",
                "An existing code cannot switch between online and offline; create a new code instead.",
            )
        if previous.is_one_time_use != draft.is_one_time_use:
            errors.add(
                "is_one_time_use",
                "An existing code cannot switch to or from one-time use; create a new code instead.",
            )

    def _check_rounding_value(self, check: Check, errors: Errors) -> None:
        if check.draft.max_time_rounding not in ROUNDING_ALLOWANCES:
            errors.add(
                "max_time_rounding",
                f"max_time_rounding must be 1hour, 1h, 1day or 1d (got {check.draft.max_time_rounding!r}).",
            )

    def _check_window(self, check: Check, errors: Errors) -> None:
        draft, now = check.draft, check.now
        starts, ends = draft.starts_at, draft.ends_at
        if starts is None and ends is not None:
            errors.add("starts_at", BOTH_TOGETHER)
        elif starts is not None and ends is None and self.implied_ends_at(draft) is None:
            errors.add("ends_at", BOTH_TOGETHER)
        if starts is not None and ends is not None and ends <= starts:
            errors.add("ends_at", ENDS_AFTER_STARTS)
        if ends is not None and ends <= now and check.changed("ends_at"):
            errors.add("ends_at", f"ends_at must be in the future; this one was {relative_text(ends, now)}.")
        if draft.is_offline_access_code and starts is None:
            errors.add("starts_at", "Offline access codes are time-bound: set starts_at and ends_at.")
        if (
            dc.START_IN_FUTURE in self.constraint_types(check.device)
            and starts is not None
            and starts <= now
            and check.changed("starts_at")
        ):
            errors.add(
                "starts_at",
                f"This lock requires time-bound codes to start in the future (start_date_in_future); "
                f"this one starts {relative_text(starts, now)}.",
            )

    def _check_capabilities(self, check: Check, errors: Errors) -> None:
        device = check.device
        if check.draft.is_offline_access_code and not device.can_program_offline_access_codes:
            hint = " Create an online code instead." if device.can_program_online_access_codes else ""
            errors.add(
                "is_offline_access_code",
                "This lock cannot program offline access codes (can_program_offline_access_codes is false)."
                + hint,
            )
        if not check.draft.is_offline_access_code and not device.can_program_online_access_codes:
            hint = " Create an offline code instead." if device.can_program_offline_access_codes else ""
            errors.add(
                "is_offline_access_code",
                "This lock cannot program online access codes (can_program_online_access_codes is false)."
                + hint,
            )

    def _check_one_time_use(self, check: Check, errors: Errors) -> None:
        draft = check.draft
        if not draft.is_one_time_use:
            return
        if not self.supports_one_time_use:
            who = f"{self.brand} locks do" if self.brand else "This lock does"
            errors.add(
                "is_one_time_use",
                f"{who} not support one-time-use codes through Seam (only igloohome and Lockly locks do).",
            )
        if not draft.is_offline_access_code:
            errors.add("is_one_time_use", "One-time-use codes must be offline access codes.")
        if draft.starts_at is None:
            errors.add("starts_at", "One-time-use codes need starts_at.")

    def _check_backup_pool(self, check: Check, errors: Errors) -> None:
        draft = check.draft
        if not draft.use_backup_access_code_pool:
            return
        key = "use_backup_access_code_pool"
        if not self.supports_backup_pool:
            errors.add(key, f"{self.brand} locks do not support Seam's backup access code pool.")
        elif check.device.properties.get("supports_backup_access_code_pool") is False:
            errors.add(key, "This lock does not support Seam's backup access code pool.")
        if draft.is_offline_access_code:
            errors.add(key, "Backup codes are for online codes; offline codes cannot use the backup pool.")
        if check.window is None:
            errors.add(
                key, "Backup codes can only be pulled for time-bound codes: set starts_at and ends_at."
            )

    def _check_code(self, check: Check, errors: Errors) -> None:
        code = check.code
        if code is None:
            return
        refusal = self.custom_code_refusal(check.device, check.draft)
        if refusal:
            errors.add("code", refusal)
            return
        format_error = self.code_format_error(check.draft, code)
        if format_error:
            errors.add("code", format_error)
            return
        length_error = dc.supported_length_error(check.device.supported_code_lengths, code)
        if length_error:
            errors.add("code", length_error)
        types = self.constraint_types(check.device)
        for message in dc.pin_pattern_errors(code, types, target_for=self._constraint_target):
            errors.add("code", message)
        self._check_code_uniqueness(check, errors, code, types)

    def _check_code_uniqueness(self, check: Check, errors: Errors, code: str, types: frozenset[str]) -> None:
        mine = check.occupancy()
        for other in check.others:
            other_code = clean_code(other.code)
            if other_code is None or not overlaps(mine, occupancy(other.starts_at, other.ends_at)):
                continue
            if other_code == code:
                errors.add(
                    "code",
                    "Another code on this lock uses the same PIN while this one would be on the lock "
                    "(scheduled codes may be loaded up to 72 hours early). Choose a different PIN.",
                )
            elif dc.UNIQUE_FIRST_FOUR in types and other_code[:4] == code[:4]:
                errors.add(
                    "code",
                    "This lock needs the first four digits of each code to be unique "
                    "(unique_first_four_digits); another code on it starts with the same four digits.",
                )

    def _check_name(self, check: Check, errors: Errors) -> None:
        name = check.draft.name.strip()
        if not name:
            return
        low, high = self.name_bounds(check.device)
        if (low is not None and len(name) < low) or (high is not None and len(name) > high):
            who = f"{self.brand} code names" if self.name_length else "Code names on this lock"
            if low is not None and high is not None:
                limit = f"{low} to {high} characters"
            elif low is not None:
                limit = f"at least {low} characters"
            else:
                limit = f"at most {high} characters"
            errors.add("name", f"{who} must be {limit}; this one has {len(name)}.")
        if dc.NAME_UNIQUE in self.constraint_types(check.device):
            taken = {o.name.strip().casefold() for o in check.others if o.name.strip()}
            if name.casefold() in taken:
                errors.add(
                    "name",
                    f"This lock needs a different name for each code (name_must_be_unique); "
                    f"“{name}” is already used on it.",
                )

    def _check_capacity(self, check: Check, errors: Errors) -> None:
        limit = check.device.max_active_codes_supported
        if limit is None:
            return
        busy = peak_overlap((occupancy(o.starts_at, o.ends_at) for o in check.others), check.occupancy())
        if busy + 1 > limit:
            errors.add(
                NON_FIELD,
                f"This lock holds at most {limit} active codes (max_active_codes_supported); "
                f"{busy} other codes already occupy it during this code's period. "
                "Remove one or choose another period.",
            )

    # ----- describe_rules --------------------------------------------------------------------------

    def describe(self, device: DeviceFacts) -> list[str]:
        sentences = self._describe_capabilities(device)
        sentences += self._describe_code(device)
        window = "A time-bound code needs both a start and an end (the end after the start and in the future)"
        # Offline-only locks have no permanent codes: offline codes are always time-bound.
        permanent = (
            "; leave both empty for a permanent code." if device.can_program_online_access_codes else "."
        )
        sentences.append(window + permanent)
        sentences += self._describe_names(device)
        if device.max_active_codes_supported is not None:
            sentences.append(
                f"This lock holds at most {device.max_active_codes_supported} active codes at a time."
            )
        sentences += self.brand_description(device)
        return sentences

    def _describe_capabilities(self, device: DeviceFacts) -> list[str]:
        online = "can" if device.can_program_online_access_codes else "cannot"
        offline = "can" if device.can_program_offline_access_codes else "cannot"
        return [f"This lock {online} program online access codes and {offline} program offline access codes."]

    def _describe_code(self, device: DeviceFacts) -> list[str]:
        types = self.constraint_types(device)
        sentences = []
        # PIN rules only where some code on this lock takes a chosen PIN (not an offline-only igloohome).
        if dc.CANNOT_SPECIFY_PIN not in types and self.form_options(device).custom_pin:
            low, high = self.code_length
            sentences.append(
                f"{self._code_noun('Codes')} are {low} to {high} digits (0-9); leave the code empty to have one generated."
            )
            if device.supported_code_lengths:
                sentences.append(
                    f"This lock accepts codes of {dc.lengths_text(device.supported_code_lengths)} digits."
                )
            sentences.append(
                "A PIN must differ from every other code on the lock while both are loaded "
                "(scheduled codes may be loaded up to 72 hours before they start)."
            )
        sentences += [dc.DESCRIPTIONS[t] for t in sorted(types) if t in dc.DESCRIPTIONS]
        return sentences

    def _describe_names(self, device: DeviceFacts) -> list[str]:
        low, high = self.name_bounds(device)
        if low is not None and high is not None:
            return [f"Code names are {low} to {high} characters."]
        if low is not None:
            return [f"Code names are at least {low} characters."]
        if high is not None:
            return [f"Code names are at most {high} characters."]
        return []


def rounding_allowance(draft: CodeDraft) -> timedelta | None:
    return ROUNDING_ALLOWANCES.get(draft.max_time_rounding)


__all__ = [
    "BOTH_TOGETHER",
    "ENDS_AFTER_STARTS",
    "NON_FIELD",
    "Check",
    "CodeDraft",
    "DeviceFacts",
    "Errors",
    "FormOptions",
    "OtherCode",
    "Provider",
    "clean_code",
    "digits_problem",
    "rounding_allowance",
]
