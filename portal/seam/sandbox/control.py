"""`/_sandbox/...` control operations (no auth), shared by the HTTP server and SandboxServer's methods.

Each operation takes the sandbox and the request parameters and returns the response fields. Objects
are found by id across workspaces; passing `api_key` restricts the lookup to that key's workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from portal.seam.sandbox.api_errors import invalid_input, not_found, unauthorized
from portal.seam.sandbox.brands import BRANDS
from portal.seam.sandbox.core import Sandbox
from portal.seam.sandbox.params import Params, iso, new_id
from portal.seam.sandbox.records import Workspace

Operation = Callable[[Sandbox, Params], dict[str, Any]]
OPERATIONS: dict[str, Operation] = {}

DEVICE_FIELDS = {
    "display_name",
    "can_program_online_access_codes",
    "can_program_offline_access_codes",
    "can_remotely_lock",
    "can_remotely_unlock",
    "location",
}


def operation(*names: str):
    def register(function: Operation) -> Operation:
        for name in names:
            OPERATIONS[name] = function
        return function

    return register


def _workspace(sandbox: Sandbox, params: Params, **ids: str | None) -> Workspace:
    api_key = params.text("api_key")
    if api_key is not None:
        workspace = sandbox.workspace_for_key(api_key)
        if workspace is None:
            raise unauthorized("Unknown api_key")
        return workspace
    workspace = sandbox.find_workspace_of(**ids)
    if workspace is None:
        raise not_found("not_found", "No workspace holds that object")
    return workspace


def _issues(items: Any, key: str, now) -> list[dict]:
    if not isinstance(items, list):
        raise invalid_input(f"{key}s must be a list")
    issues = []
    for item in items:
        issue = {key: item, "message": item.replace("_", " ")} if isinstance(item, str) else dict(item)
        issue.setdefault("created_at", iso(now))
        issues.append(issue)
    return issues


@operation("workspaces/create")
def create_workspace(sandbox: Sandbox, params: Params) -> dict:
    workspace = sandbox.create_workspace(
        params.text("api_key", required=True),
        name=params.text("name") or "Sandbox Workspace",
        demo_devices=params.flag("demo_devices", True),
    )
    return {"workspace": workspace.to_wire(), "workspace_id": workspace.workspace_id}


@operation("devices/add")
def add_devices(sandbox: Sandbox, params: Params) -> dict:
    workspace = _workspace(sandbox, Params({"api_key": params.text("api_key", required=True)}))
    ids = sandbox.add_devices(
        workspace,
        params.integer("count", 1),
        params.text("manufacturer") or "august",
        name_prefix=params.text("name_prefix"),
    )
    return {"device_ids": ids}


@operation("devices/update")
def update_device(sandbox: Sandbox, params: Params) -> dict:
    device_id = params.text("device_id", required=True)
    workspace = _workspace(sandbox, params, device_id=device_id)
    device = sandbox.device(workspace, device_id)
    now = sandbox.clock.now()
    if params.has("properties"):
        properties = params.data["properties"]
        if not isinstance(properties, dict):
            raise invalid_input("properties must be an object", field="properties")
        for key, value in properties.items():
            current = device["properties"].get(key)
            # Merge one level deep so {"ultraloq_metadata": {"time_zone": ...}} keeps the other keys.
            if isinstance(current, dict) and isinstance(value, dict):
                current.update(value)
            else:
                device["properties"][key] = value
    for key in DEVICE_FIELDS & set(params.data):
        device[key] = params.data[key]
    if params.has("warnings"):
        device["warnings"] = _issues(params.data["warnings"], "warning_code", now)
    if params.has("errors"):
        device["errors"] = _issues(params.data["errors"], "error_code", now)
    online = params.flag("online", None)
    if online is not None and online != device["properties"]["online"]:
        device["properties"]["online"] = online
        device["errors"] = [e for e in device["errors"] if e.get("error_code") != "device_offline"]
        if not online:
            device["errors"].append(
                {
                    "error_code": "device_offline",
                    "message": "Device is offline",
                    "created_at": iso(now),
                    "is_device_error": True,
                }
            )
        sandbox.emit(workspace, "device.connected" if online else "device.disconnected", device_id=device_id)
    sandbox.mark_dirty()
    sandbox.wake_device(workspace, device_id)
    return {"device": device}


@operation("devices/remove")
def remove_device(sandbox: Sandbox, params: Params) -> dict:
    """The device left the account (unpaired, or the owner revoked access): it and its codes are gone."""
    device_id = params.text("device_id", required=True)
    workspace = _workspace(sandbox, params, device_id=device_id)
    sandbox.device(workspace, device_id)
    sandbox.emit(workspace, "device.removed", device_id=device_id)
    for code in workspace.codes_for_device(device_id):
        workspace.remove_code(code.access_code_id)
    workspace.unmanaged_codes = {
        key: code for key, code in workspace.unmanaged_codes.items() if code["device_id"] != device_id
    }
    del workspace.devices[device_id]
    sandbox.mark_dirty()
    return {"device_id": device_id}


@operation("clock/get")
def clock_get(sandbox: Sandbox, params: Params) -> dict:
    return {"now": iso(sandbox.clock.now()), "offset_seconds": sandbox.clock.offset_seconds}


@operation("clock/advance")
def clock_advance(sandbox: Sandbox, params: Params) -> dict:
    amounts = {}
    for unit in ("seconds", "minutes", "hours", "days"):
        value = params.data.get(unit)
        if value is not None:
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise invalid_input(f"{unit} must be a non-negative number", field=unit)
            amounts[unit] = value
    sandbox.clock.advance(**amounts)
    sandbox.mark_dirty()
    sandbox.tick()
    return clock_get(sandbox, params)


@operation("tick")
def tick(sandbox: Sandbox, params: Params) -> dict:
    sandbox.tick()
    return clock_get(sandbox, params)


@operation("config")
def config(sandbox: Sandbox, params: Params) -> dict:
    # The config is global; an api_key sent along by a helper that always names one is ignored.
    sandbox.config.update({key: value for key, value in params.data.items() if key != "api_key"})
    sandbox.mark_dirty()
    return {"config": sandbox.config.as_dict()}


@operation("rate_limits/refused")
def rate_limits_refused(sandbox: Sandbox, params: Params) -> dict:
    """The 429s Seam's per-device write limits answered, per device: `{device_id: {action: count}}`."""
    refused: dict[str, dict[str, int]] = {}
    for (device_id, action), count in sandbox.rate_limiter.refused.items():
        refused.setdefault(device_id, {})[action] = count
    return {"refused": refused}


@operation("faults/set")
def faults_set(sandbox: Sandbox, params: Params) -> dict:
    rule = sandbox.faults.add(**params.data)
    return {"fault": asdict(rule)}


@operation("faults/clear")
def faults_clear(sandbox: Sandbox, params: Params) -> dict:
    return {"cleared": sandbox.faults.clear(params.text("fault_id"))}


@operation("faults/list")
def faults_list(sandbox: Sandbox, params: Params) -> dict:
    return {"faults": sandbox.faults.rules}


@operation("simulate_workspace_outage")
def simulate_workspace_outage(sandbox: Sandbox, params: Params) -> dict:
    """Compatible with Seam's fake: {workspace_id, routes} -> those routes answer 503 for that workspace."""
    workspace_id = params.text("workspace_id", required=True)
    if workspace_id not in sandbox.workspaces:
        raise not_found("workspace_not_found", "Workspace not found")
    routes = params.strings("routes") or ["*"]
    faults = [sandbox.faults.add(route=route, workspace_id=workspace_id, status=503) for route in routes]
    return {"fault_ids": [fault.fault_id for fault in faults]}


def _target(sandbox: Sandbox, params: Params):
    """(workspace, device_id, code or None) from a device_id or access_code_id."""
    code_id, device_id = params.text("access_code_id"), params.text("device_id")
    if code_id is None and device_id is None:
        raise invalid_input("Pass device_id or access_code_id")
    workspace = _workspace(sandbox, params, device_id=device_id, access_code_id=code_id)
    if code_id is not None:
        code = sandbox.access_code(workspace, code_id)
        return workspace, code.device_id, code
    return workspace, sandbox.device(workspace, device_id)["device_id"], None


@operation("access_codes/fail_to_set")
def fail_to_set(sandbox: Sandbox, params: Params) -> dict:
    workspace, device_id, code = _target(sandbox, params)
    if code is not None:
        code.fail_on_set = True
        sandbox.touch(workspace, code)
    else:
        workspace.device_failures[device_id] = workspace.device_failures.get(device_id, 0) + params.integer(
            "count", 1
        )
    sandbox.mark_dirty()
    return {"device_id": device_id, "pending_failures": workspace.device_failures.get(device_id, 0)}


@operation("access_codes/delay_setting")
def delay_setting(sandbox: Sandbox, params: Params) -> dict:
    workspace, device_id, code = _target(sandbox, params)
    enabled = params.flag("enabled", True)
    if code is not None:
        code.delay_setting = enabled
    elif enabled:
        workspace.device_delays[device_id] = True
    else:
        workspace.device_delays.pop(device_id, None)
    sandbox.mark_dirty()
    sandbox.wake_device(workspace, device_id)
    return {"device_id": device_id, "delayed": enabled}


@operation("access_codes/modify_externally")
def modify_externally(sandbox: Sandbox, params: Params) -> dict:
    workspace, _, code = _target(sandbox, Params({**params.data, "device_id": None}))
    if code is None:
        raise invalid_input("access_code_id is required", field="access_code_id")
    now = sandbox.clock.now()
    new_pin = params.text("code") or code.code
    message = "The code was changed on the device outside of Seam."
    if code.allow_external_modification:
        code.code = new_pin  # allowed: the lock's new PIN becomes the code's PIN
        code.add_warning("code_modified_external_to_seam", message, now)
    else:
        code.add_error("code_modified_external_to_seam", message, now)
    sandbox.emit(workspace, "access_code.modified_external_to_seam", now, code=code)
    return {"access_code": code.to_wire()}


@operation("access_codes/delete_externally")
def delete_externally(sandbox: Sandbox, params: Params) -> dict:
    workspace, _, code = _target(sandbox, Params({**params.data, "device_id": None}))
    if code is None:
        raise invalid_input("access_code_id is required", field="access_code_id")
    workspace.remove_code(code.access_code_id)
    sandbox.emit(workspace, "access_code.deleted_external_to_seam", code=code)
    return {"access_code_id": code.access_code_id}


@operation("access_codes/add_unmanaged")
def add_unmanaged(sandbox: Sandbox, params: Params) -> dict:
    device_id = params.text("device_id", required=True)
    workspace = _workspace(sandbox, params, device_id=device_id)
    sandbox.device(workspace, device_id)
    pin = params.text("code", required=True)
    now = iso(sandbox.clock.now())
    code = {
        "access_code_id": new_id(),
        "device_id": device_id,
        "workspace_id": workspace.workspace_id,
        "name": params.text("name") or "Unmanaged code",
        "code": pin,
        "type": "ongoing",
        "status": "set",
        "starts_at": None,
        "ends_at": None,
        "created_at": now,
        "errors": [],
        "warnings": [],
        "is_managed": False,
    }
    workspace.unmanaged_codes[code["access_code_id"]] = code
    sandbox.emit(
        workspace, "access_code.unmanaged.created", device_id=device_id, access_code_id=code["access_code_id"]
    )
    return {"access_code": code}


@operation("locks/simulate_unlock")
def simulate_unlock(sandbox: Sandbox, params: Params) -> dict:
    """Someone opened (or, with action "locked", locked) the lock: a lock.unlocked / lock.locked event.
    With access_code_id, the code's PIN was used (method keycode), as the brands that report it send."""
    workspace, device_id, code = _target(sandbox, params)
    action = params.text("action") or "unlocked"
    if action not in {"unlocked", "locked"}:
        raise invalid_input("action must be unlocked or locked", field="action")
    device = sandbox.device(workspace, device_id)
    device["properties"]["locked"] = action == "locked"
    extra = {"method": params.text("method") or ("keycode" if code else "manual")}
    if code is not None:
        extra["access_code_is_managed"] = True
    event = sandbox.emit(
        workspace, f"lock.{action}", params.timestamp("occurred_at"), code=code, device_id=device_id, **extra
    )
    return {"event": event}


@operation("webhooks/deliveries")
def webhook_deliveries(sandbox: Sandbox, params: Params) -> dict:
    attempts = list(sandbox.webhooks.attempts)
    if params.has("api_key"):
        webhook_ids = set(_workspace(sandbox, params).webhooks)
        attempts = [attempt for attempt in attempts if attempt["webhook_id"] in webhook_ids]
    return {"deliveries": attempts}


@operation("connect_webviews/authorize")
def authorize_connect_webview(sandbox: Sandbox, params: Params) -> dict:
    """Play the end user finishing a Connect Webview: a new connected account with two devices."""
    webview_id = params.text("connect_webview_id", required=True)
    workspace = next((w for w in sandbox.workspaces.values() if webview_id in w.connect_webviews), None)
    if workspace is None:
        raise not_found("connect_webview_not_found", "Connect webview not found")
    webview = workspace.connect_webviews[webview_id]
    if webview["status"] != "authorized":
        providers = [p for p in webview["accepted_providers"] if p in BRANDS] or ["august"]
        manufacturer = params.text("provider") or providers[0]
        sandbox.add_devices(workspace, 2, manufacturer, name_prefix="Connected Lock", new_account=True)
        account_id = list(workspace.connected_accounts)[-1]
        webview.update(
            status="authorized",
            login_successful=True,
            connected_account_id=account_id,
            selected_provider=manufacturer,
            authorized_at=iso(sandbox.clock.now()),
        )
        sandbox.emit(workspace, "connected_account.connected", connected_account_id=account_id)
        sandbox.emit(
            workspace,
            "connect_webview.login_succeeded",
            connect_webview_id=webview_id,
            connected_account_id=account_id,
        )
    return {"connect_webview": webview}
