"""The sandbox's records. Devices, events and webhooks are kept as Seam-shaped dicts (they are served
as they are); access codes are a dataclass because their lifecycle needs bookkeeping Seam never shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from portal.seam.sandbox.params import iso, parse_time


@dataclass
class AccessCode:
    access_code_id: str
    device_id: str
    workspace_id: str
    type: str  # "ongoing" | "time_bound"
    created_at: datetime
    name: str | None = None
    code: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    common_code_key: str | None = None
    status: str = "unset"
    is_managed: bool = True
    is_offline: bool = False
    is_one_time_use: bool = False
    allow_external_modification: bool = False
    native_scheduling: bool = False
    use_backup_pool: bool = False
    is_backup: bool = False
    appearance_name: str | None = None
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    pending_mutations: list[dict] = field(default_factory=list)
    # Provider-specific fields served as they are (e.g. the dormakaba user level).
    extra: dict[str, Any] = field(default_factory=dict)
    # Lifecycle bookkeeping (see code_lifecycle.py).
    program_at: datetime | None = None
    programming_since: datetime | None = None
    on_device: bool = False
    scheduled_on_device: bool = False
    waiting: bool = False
    failed: bool = False
    fail_on_set: bool = False
    delay_setting: bool = False
    removing_since: datetime | None = None
    deleted_event_sent: bool = False
    create_action_attempt_id: str | None = None
    backup_access_code_id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            "access_code_id": self.access_code_id,
            "device_id": self.device_id,
            "workspace_id": self.workspace_id,
            "name": self.name,
            "appearance": {"name": self.appearance_name or self.name, "first_name": None, "last_name": None},
            "code": self.code,
            "common_code_key": self.common_code_key,
            "type": self.type,
            "status": self.status,
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "created_at": iso(self.created_at),
            "errors": [dict(error) for error in self.errors],
            "warnings": [dict(warning) for warning in self.warnings],
            "is_managed": self.is_managed,
            "is_offline_access_code": self.is_offline,
            "is_one_time_use": self.is_one_time_use,
            "is_external_modification_allowed": self.allow_external_modification,
            "is_scheduled_on_device": self.scheduled_on_device,
            "is_waiting_for_code_assignment": self.code is None,
            "is_backup_access_code_available": self.use_backup_pool and self.type == "time_bound",
            "is_backup": self.is_backup,
            "pulled_backup_access_code_id": self.backup_access_code_id,
            "pending_mutations": [dict(mutation) for mutation in self.pending_mutations],
            **self.extra,
        }

    # -- persistence -----------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        data = asdict(self)
        for name in _DATETIME_FIELDS:
            data[name] = iso(data[name])
        return data

    @classmethod
    def load(cls, data: dict[str, Any]) -> AccessCode:
        known = {item.name for item in fields(cls)}
        values = {name: value for name, value in data.items() if name in known}
        for name in _DATETIME_FIELDS:
            if values.get(name) is not None:
                values[name] = parse_time(values[name], name)
        return cls(**values)

    # -- errors and warnings -------------------------------------------------------------------------

    def add_warning(self, code: str, message: str, now: datetime) -> bool:
        """Add a warning once; True if it is new (so the caller emits its event once)."""
        return _add_issue(self.warnings, "warning_code", code, message, now)

    def add_error(self, code: str, message: str, now: datetime) -> bool:
        return _add_issue(self.errors, "error_code", code, message, now)

    def clear_warning(self, code: str) -> None:
        self.warnings = [warning for warning in self.warnings if warning.get("warning_code") != code]


_DATETIME_FIELDS = (
    "created_at",
    "starts_at",
    "ends_at",
    "program_at",
    "programming_since",
    "removing_since",
)


def _add_issue(issues: list[dict], key: str, code: str, message: str, now: datetime) -> bool:
    if any(issue.get(key) == code for issue in issues):
        return False
    issues.append({key: code, "message": message, "created_at": iso(now)})
    return True


@dataclass
class Workspace:
    workspace_id: str
    name: str
    api_key: str
    created_at: str
    connected_accounts: dict[str, dict] = field(default_factory=dict)
    devices: dict[str, dict] = field(default_factory=dict)
    access_codes: dict[str, AccessCode] = field(default_factory=dict)
    unmanaged_codes: dict[str, dict] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    webhooks: dict[str, dict] = field(default_factory=dict)
    action_attempts: dict[str, dict] = field(default_factory=dict)
    connect_webviews: dict[str, dict] = field(default_factory=dict)
    # Injected trouble: device_id -> how many upcoming code sets fail / whether setting is delayed.
    device_failures: dict[str, int] = field(default_factory=dict)
    device_delays: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # device_id -> access_code_ids (a dict as an ordered set); not persisted, rebuilt on load.
        self._codes_by_device: dict[str, dict[str, None]] = {}
        for code in self.access_codes.values():
            self._codes_by_device.setdefault(code.device_id, {})[code.access_code_id] = None

    def add_code(self, code: AccessCode) -> None:
        self.access_codes[code.access_code_id] = code
        self._codes_by_device.setdefault(code.device_id, {})[code.access_code_id] = None

    def remove_code(self, access_code_id: str) -> AccessCode | None:
        code = self.access_codes.pop(access_code_id, None)
        if code is not None:
            self._codes_by_device.get(code.device_id, {}).pop(access_code_id, None)
        return code

    def codes_for_device(self, device_id: str) -> list[AccessCode]:
        return [self.access_codes[code_id] for code_id in self._codes_by_device.get(device_id, {})]

    def to_wire(self) -> dict[str, Any]:
        return {
            "workspace_id": self.workspace_id,
            "name": self.name,
            "company_name": self.name,
            "is_sandbox": True,
            "is_suspended": False,
            "connect_partner_name": None,
            "created_at": self.created_at,
        }

    def dump(self) -> dict[str, Any]:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["access_codes"] = {key: code.dump() for key, code in self.access_codes.items()}
        return data

    @classmethod
    def load(cls, data: dict[str, Any]) -> Workspace:
        known = {item.name for item in fields(cls)}
        values = {name: value for name, value in data.items() if name in known}
        values["access_codes"] = {
            key: AccessCode.load(code) for key, code in values.get("access_codes", {}).items()
        }
        return cls(**values)

    def add_action_attempt(self, attempt_id: str, action_type: str, status: str, result=None, error=None):
        attempt = {
            "action_attempt_id": attempt_id,
            "action_type": action_type,
            "status": status,
            "result": result,
            "error": error,
        }
        self.action_attempts[attempt_id] = attempt
        return attempt
