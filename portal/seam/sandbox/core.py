"""The sandbox engine: every workspace's state behind one lock, the code lifecycle scheduler, event
emission and persistence. HTTP lives in server.py; this module knows nothing about sockets."""

from __future__ import annotations

import heapq
import itertools
import json
import os
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

from portal.seam.sandbox import code_lifecycle
from portal.seam.sandbox.api_errors import invalid_input, not_found
from portal.seam.sandbox.brands import BRANDS
from portal.seam.sandbox.clock import SandboxClock
from portal.seam.sandbox.config import SandboxConfig
from portal.seam.sandbox.demo import DEMO_DEVICES, brand_named, build_device, connected_account
from portal.seam.sandbox.faults import FaultInjector
from portal.seam.sandbox.params import iso, new_id
from portal.seam.sandbox.ratelimit import DeviceRateLimiter
from portal.seam.sandbox.records import AccessCode, Workspace
from portal.seam.sandbox.webhooks import WebhookDispatcher, wants

AUTO_PROVISION_PREFIX = "seam_sandbox_"
STATE_VERSION = 1


class Sandbox:
    def __init__(self, *, state_file: str | os.PathLike | None = None):
        # One re-entrant lock guards all state: requests, ticks and control calls are serialised.
        self.lock = threading.RLock()
        self.clock = SandboxClock()
        self.config = SandboxConfig()
        self.faults = FaultInjector()
        self.rate_limiter = DeviceRateLimiter()
        self.webhooks = WebhookDispatcher(
            timeout=lambda: self.config.webhook_timeout_seconds,
            max_attempts=lambda: self.config.webhook_max_attempts,
            backoff=lambda: self.config.webhook_backoff_seconds,
            is_active=self._webhook_active,
        )
        self.workspaces: dict[str, Workspace] = {}
        self.keys: dict[str, str] = {}  # api_key -> workspace_id
        self.state_file = Path(state_file) if state_file else None
        self._dirty = False
        # Lifecycle scheduler: (due, seq, workspace_id, access_code_id); _due dedupes stale entries.
        self._heap: list[tuple[datetime, int, str, str]] = []
        self._due: dict[str, datetime] = {}
        self._waiting: dict[str, str] = {}  # access_code_id -> workspace_id, blocked on their device
        self._seq = itertools.count()
        if self.state_file and self.state_file.exists():
            self._load()

    # -- workspaces and devices ----------------------------------------------------------------------

    def workspace_for_key(self, api_key: str | None) -> Workspace | None:
        if not api_key:
            return None
        workspace_id = self.keys.get(api_key)
        if workspace_id is None and api_key.startswith(AUTO_PROVISION_PREFIX):
            return self.create_workspace(api_key, name=f"Sandbox {api_key[len(AUTO_PROVISION_PREFIX) :]}")
        return self.workspaces.get(workspace_id) if workspace_id else None

    def create_workspace(self, api_key: str, name: str = "Sandbox Workspace", demo_devices: bool = True):
        """Idempotent per key: a restarted demo finds its workspace again."""
        if not isinstance(api_key, str) or not api_key.startswith("seam_"):
            raise invalid_input("api_key must be a string starting with seam_", field="api_key")
        with self.lock:
            if api_key in self.keys:
                return self.workspaces[self.keys[api_key]]
            now = self.clock.now()
            workspace = Workspace(workspace_id=new_id(), name=name, api_key=api_key, created_at=iso(now))
            self.workspaces[workspace.workspace_id] = workspace
            self.keys[api_key] = workspace.workspace_id
            if demo_devices:
                for manufacturer, device_name, location, timezone, extra in DEMO_DEVICES:
                    self._add_device(workspace, manufacturer, device_name, location, timezone, extra, now)
            self.mark_dirty()
            return workspace

    def connected_account_for(self, workspace: Workspace, manufacturer: str, now: datetime) -> dict:
        brand = BRANDS[manufacturer]
        for account in workspace.connected_accounts.values():
            if account["account_type"] == brand.account_type:
                return account
        account = connected_account(brand, workspace.workspace_id, now)
        workspace.connected_accounts[account["connected_account_id"]] = account
        return account

    def _add_device(
        self, workspace, manufacturer, name, location, timezone, extra, now, account=None
    ) -> dict:
        account = account or self.connected_account_for(workspace, manufacturer, now)
        device = build_device(
            BRANDS[manufacturer],
            workspace_id=workspace.workspace_id,
            connected_account_id=account["connected_account_id"],
            name=name,
            now=now,
            location_name=location,
            timezone=timezone,
            extra=extra,
        )
        workspace.devices[device["device_id"]] = device
        return device

    def add_devices(
        self,
        workspace: Workspace,
        count: int,
        manufacturer: str,
        name_prefix: str | None = None,
        *,
        new_account: bool = False,
    ) -> list[str]:
        brand = brand_named(manufacturer)
        if not isinstance(count, int) or not 1 <= count <= 100_000:
            raise invalid_input("count must be an integer between 1 and 100000", field="count")
        prefix = name_prefix or f"{brand.display_name} Lock"
        extra = {"time_zone": "America/New_York"} if manufacturer == "ultraloq" else {}
        with self.lock:
            now = self.clock.now()
            account = None
            if new_account:
                account = connected_account(brand, workspace.workspace_id, now)
                workspace.connected_accounts[account["connected_account_id"]] = account
            start = len(workspace.devices) + 1
            ids = [
                self._add_device(
                    workspace,
                    manufacturer,
                    f"{prefix} {start + n:05d}",
                    "Sandbox Property",
                    "America/New_York",
                    extra,
                    now,
                    account,
                )["device_id"]
                for n in range(count)
            ]
            self.mark_dirty()
            return ids

    @staticmethod
    def device(workspace: Workspace, device_id: str | None) -> dict:
        device = workspace.devices.get(device_id or "")
        if device is None:
            raise not_found("device_not_found", "Device not found")
        return device

    @staticmethod
    def access_code(workspace: Workspace, access_code_id: str | None) -> AccessCode:
        code = workspace.access_codes.get(access_code_id or "")
        if code is None:
            raise not_found("access_code_not_found", "Could not find an access_code with access_code_id")
        return code

    @staticmethod
    def codes_on_device(workspace: Workspace, device_id: str) -> list:
        """Everything occupying a PIN slot on the lock: live managed codes and unmanaged ones."""
        managed = [
            code
            for code in workspace.codes_for_device(device_id)
            if code.status != "removing" and not code.failed
        ]
        unmanaged = [code for code in workspace.unmanaged_codes.values() if code["device_id"] == device_id]
        return managed + unmanaged

    def find_workspace_of(self, *, device_id: str | None = None, access_code_id: str | None = None):
        for workspace in self.workspaces.values():
            if device_id and device_id in workspace.devices:
                return workspace
            if access_code_id and access_code_id in workspace.access_codes:
                return workspace
        return None

    # -- events --------------------------------------------------------------------------------------

    def emit(
        self,
        workspace: Workspace,
        event_type: str,
        occurred_at: datetime | None = None,
        *,
        code: AccessCode | None = None,
        device_id: str | None = None,
        **extra,
    ) -> dict:
        now = self.clock.now()
        device_id = device_id or (code.device_id if code else None)
        device = workspace.devices.get(device_id or "")
        event = {
            "event_id": new_id(),
            "event_type": event_type,
            "workspace_id": workspace.workspace_id,
            "created_at": iso(now),
            "occurred_at": iso(occurred_at or now),
            "device_id": device_id,
            "connected_account_id": device["connected_account_id"] if device else None,
        }
        if code is not None:
            event["access_code_id"] = code.access_code_id
            if event_type == "access_code.set_on_device":
                event["code"] = code.code
        event.update(extra)
        workspace.events.append(event)
        for webhook in workspace.webhooks.values():
            if wants(webhook, event_type):
                self.webhooks.enqueue(webhook, event)
        self.mark_dirty()
        return event

    def _webhook_active(self, webhook_id: str) -> bool:
        with self.lock:
            return any(webhook_id in workspace.webhooks for workspace in self.workspaces.values())

    # -- lifecycle -----------------------------------------------------------------------------------

    def _context(self, workspace: Workspace, code: AccessCode, now: datetime) -> code_lifecycle.Context:
        device_id = code.device_id

        def device_available() -> bool:
            device = workspace.devices.get(device_id)
            return bool(
                device
                and device["properties"].get("online")
                and not workspace.device_delays.get(device_id)
                and not code.delay_setting
            )

        def take_device_failure() -> bool:
            remaining = workspace.device_failures.get(device_id, 0)
            if remaining <= 0:
                return False
            workspace.device_failures[device_id] = remaining - 1
            return True

        def on_programmed(item: AccessCode, ok: bool) -> None:
            attempt = workspace.action_attempts.get(item.create_action_attempt_id or "")
            if attempt and attempt["status"] == "pending":
                if ok:
                    attempt.update(status="success", result={"access_code": item.to_wire()})
                else:
                    attempt.update(
                        status="error",
                        error={"type": "failed_to_set_on_device", "message": code_lifecycle.FAILED_MESSAGE},
                    )

        def on_removed(item: AccessCode) -> None:
            workspace.remove_code(item.access_code_id)
            self._due.pop(item.access_code_id, None)

        return code_lifecycle.Context(
            now=now,
            set_delay=timedelta(seconds=self.config.set_delay_seconds),
            remove_delay=timedelta(seconds=self.config.remove_delay_seconds),
            device_available=device_available,
            take_device_failure=take_device_failure,
            emit=lambda event_type, at, item: self.emit(workspace, event_type, at, code=item),
            on_programmed=on_programmed,
            on_removed=on_removed,
        )

    def touch(self, workspace: Workspace, code: AccessCode) -> None:
        """Run a code's due transitions now and (re)schedule its next one."""
        now = self.clock.now()
        context = self._context(workspace, code, now)
        alive, changed = code_lifecycle.advance(code, context)
        if changed:
            self.mark_dirty()
        if alive and code.waiting:
            self._waiting[code.access_code_id] = workspace.workspace_id
        else:
            self._waiting.pop(code.access_code_id, None)
        if alive:
            due = code_lifecycle.next_due(code, context)
            if due is None:
                self._due.pop(code.access_code_id, None)
            elif self._due.get(code.access_code_id) != due:
                self._due[code.access_code_id] = due
                heapq.heappush(
                    self._heap, (due, next(self._seq), workspace.workspace_id, code.access_code_id)
                )

    def wake_device(self, workspace: Workspace, device_id: str) -> None:
        """Something about the device changed (online again, delay lifted): retry its waiting codes."""
        for code in workspace.codes_for_device(device_id):
            self.touch(workspace, code)

    def tick(self) -> None:
        with self.lock:
            now = self.clock.now()
            while self._heap and self._heap[0][0] <= now:
                due, _, workspace_id, code_id = heapq.heappop(self._heap)
                if self._due.get(code_id) != due:
                    continue  # superseded by a later schedule
                del self._due[code_id]
                workspace = self.workspaces.get(workspace_id)
                code = workspace.access_codes.get(code_id) if workspace else None
                if code is not None:
                    self.touch(workspace, code)
            # Codes blocked on an unavailable device have no due time; retry them on every tick.
            for code_id, workspace_id in list(self._waiting.items()):
                workspace = self.workspaces.get(workspace_id)
                code = workspace.access_codes.get(code_id) if workspace else None
                if code is None:
                    self._waiting.pop(code_id, None)
                else:
                    self.touch(workspace, code)

    # -- persistence ---------------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        self._dirty = True

    def save_if_dirty(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            if not self._dirty:
                return
            snapshot = json.dumps(
                {
                    "version": STATE_VERSION,
                    "clock_offset_seconds": self.clock.offset_seconds,
                    "config": self.config.as_dict(),
                    "workspaces": [workspace.dump() for workspace in self.workspaces.values()],
                },
                separators=(",", ":"),
            )
            self._dirty = False
        # Write-then-rename so a crash never leaves a half-written state file behind.
        directory = self.state_file.parent
        directory.mkdir(parents=True, exist_ok=True)
        handle, temp_path = tempfile.mkstemp(prefix=".sandbox-state-", dir=directory)
        try:
            with os.fdopen(handle, "w") as temp:
                temp.write(snapshot)
            os.replace(temp_path, self.state_file)
        except BaseException:
            Path(temp_path).unlink(missing_ok=True)
            raise

    def _load(self) -> None:
        data = json.loads(self.state_file.read_text())
        self.clock = SandboxClock(data.get("clock_offset_seconds", 0.0))
        self.config.update(data.get("config", {}))
        for item in data.get("workspaces", []):
            workspace = Workspace.load(item)
            self.workspaces[workspace.workspace_id] = workspace
            self.keys[workspace.api_key] = workspace.workspace_id
        for workspace in self.workspaces.values():
            for code in list(workspace.access_codes.values()):
                self.touch(workspace, code)
        self._dirty = False
