"""devices/*, locks/*, connected_accounts/*, workspaces/get, action_attempts/get."""

from __future__ import annotations

from portal.seam.sandbox.api_errors import not_found
from portal.seam.sandbox.pagination import paginate
from portal.seam.sandbox.routes.registry import Call, route


def _filtered_devices(call: Call) -> list[dict]:
    params = call.params
    device_ids = params.strings("device_ids")
    account_ids = set(params.strings("connected_account_ids") or [])
    if params.has("connected_account_id"):
        account_ids.add(params.text("connected_account_id"))
    device_types = set(params.strings("device_types") or [])
    if params.has("device_type"):
        device_types.add(params.text("device_type"))
    manufacturer = params.text("manufacturer")
    devices = call.workspace.devices
    # Asking for ids looks them up directly: cheap even in a 10,000-device workspace.
    candidates = (
        [devices[i] for i in dict.fromkeys(device_ids) if i in devices]
        if device_ids is not None
        else list(devices.values())
    )
    return [
        device
        for device in candidates
        if (not account_ids or device["connected_account_id"] in account_ids)
        and (not device_types or device["device_type"] in device_types)
        and (manufacturer is None or device["properties"]["manufacturer"] == manufacturer)
    ]


@route("devices/list", "locks/list")
def devices_list(call: Call) -> dict:
    page, pagination = paginate(_filtered_devices(call), call.params, url=f"{call.base_url}/{call.route}")
    key = "locks" if call.route.startswith("locks/") else "devices"
    return {key: page, "pagination": pagination}


@route("devices/get", "locks/get")
def devices_get(call: Call) -> dict:
    device_id = call.params.text("device_id")
    name = call.params.text("name")
    if device_id is None and name is not None:
        device_id = next(
            (d["device_id"] for d in call.workspace.devices.values() if d["display_name"] == name), None
        )
    device = call.sandbox.device(call.workspace, device_id)
    return {"lock": device, "device": device} if call.route.startswith("locks/") else {"device": device}


@route("connected_accounts/list")
def connected_accounts_list(call: Call) -> dict:
    accounts = list(call.workspace.connected_accounts.values())
    page, pagination = paginate(accounts, call.params, url=f"{call.base_url}/{call.route}")
    return {"connected_accounts": page, "pagination": pagination}


@route("connected_accounts/get")
def connected_accounts_get(call: Call) -> dict:
    account_id = call.params.text("connected_account_id")
    email = call.params.text("email")
    for account in call.workspace.connected_accounts.values():
        if account["connected_account_id"] == account_id or (
            email and account["user_identifier"].get("email") == email
        ):
            return {"connected_account": account}
    raise not_found("connected_account_not_found", "Connected account not found")


@route("workspaces/get")
def workspaces_get(call: Call) -> dict:
    return {"workspace": call.workspace.to_wire()}


@route("action_attempts/get")
def action_attempts_get(call: Call) -> dict:
    attempt = call.workspace.action_attempts.get(call.params.text("action_attempt_id", required=True))
    if attempt is None:
        raise not_found("action_attempt_not_found", "Action attempt not found")
    return {"action_attempt": attempt}
