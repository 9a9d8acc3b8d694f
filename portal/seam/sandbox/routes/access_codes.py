"""access_codes/*: create, read, update, delete, backup codes and unmanaged codes."""

from __future__ import annotations

from portal.seam.sandbox import code_lifecycle, referee
from portal.seam.sandbox.api_errors import SeamApiError, invalid_input, not_found
from portal.seam.sandbox.brands import BRANDS
from portal.seam.sandbox.codegen import generate_code
from portal.seam.sandbox.pagination import paginate
from portal.seam.sandbox.params import new_id
from portal.seam.sandbox.records import AccessCode
from portal.seam.sandbox.routes.registry import Call, route


def _rate_limit(call: Call, device_id: str, action: str) -> None:
    if call.sandbox.config.rate_limits_enabled:
        call.sandbox.rate_limiter.check(device_id, action, call.now)


def _request(call: Call) -> referee.CodeRequest:
    params = call.params
    allow = params.flag("allow_external_modification", None)
    if allow is None:
        allow = params.flag("is_external_modification_allowed", False)
    return referee.CodeRequest(
        name=params.text("name"),
        code=params.text("code"),
        starts_at=params.timestamp("starts_at"),
        ends_at=params.timestamp("ends_at"),
        is_offline=params.flag("is_offline_access_code"),
        is_one_time_use=params.flag("is_one_time_use"),
        max_time_rounding=params.text("max_time_rounding") or "1hour",
        allow_external_modification=allow,
        prefer_native_scheduling=params.flag("prefer_native_scheduling", None),
        use_backup_pool=params.flag("use_backup_access_code_pool"),
        preferred_code_length=params.integer("preferred_code_length"),
        common_code_key=params.text("common_code_key"),
    )


def _shared_code(call: Call, request: referee.CodeRequest, device: dict, on_device: list) -> str | None:
    """A code created with a common_code_key reuses the PIN of its siblings when this lock accepts it."""
    for other in call.workspace.access_codes.values():
        if other.common_code_key == request.common_code_key and other.code:
            try:
                referee.check_code(other.code, device)
                referee.check_duplicate(other.code, request.starts_at, request.ends_at, on_device)
            except SeamApiError:
                return None
            return other.code
    return None


@route("access_codes/create")
def access_codes_create(call: Call) -> dict:
    sandbox, workspace, now = call.sandbox, call.workspace, call.now
    device = sandbox.device(workspace, call.params.text("device_id", required=True))
    request = _request(call)
    _rate_limit(call, device["device_id"], "create")
    on_device = sandbox.codes_on_device(workspace, device["device_id"])
    if request.common_code_key and request.code is None and not request.is_offline:
        request.code = _shared_code(call, request, device, on_device)
    plan = referee.plan_create(device, request, on_device, now)
    code = AccessCode(
        access_code_id=new_id(),
        device_id=device["device_id"],
        workspace_id=workspace.workspace_id,
        type=plan.type,
        created_at=now,
        name=request.name,
        code=plan.code,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        common_code_key=request.common_code_key,
        is_offline=request.is_offline,
        is_one_time_use=request.is_one_time_use,
        allow_external_modification=request.allow_external_modification,
        native_scheduling=plan.native_scheduling,
        use_backup_pool=request.use_backup_pool,
        appearance_name=plan.appearance_name,
    )
    for warning_code, message in plan.warnings:
        code.add_warning(warning_code, message, now)
    attempt_id = new_id()
    code.create_action_attempt_id = attempt_id
    if code.is_offline:
        # Offline PINs come from the manufacturer's algorithm: valid as soon as they exist.
        code.status, code.on_device = "set", True
        attempt = workspace.add_action_attempt(
            attempt_id, "CREATE_ACCESS_CODE", "success", result={"access_code": code.to_wire()}
        )
    else:
        code.program_at = referee.program_at(code, now)
        attempt = workspace.add_action_attempt(attempt_id, "CREATE_ACCESS_CODE", "pending")
    workspace.add_code(code)
    sandbox.emit(workspace, "access_code.created", now, code=code)
    sandbox.touch(workspace, code)
    return {"access_code": code.to_wire(), "action_attempt": dict(attempt)}


def _find(call: Call) -> AccessCode:
    params = call.params
    access_code_id = params.text("access_code_id")
    if access_code_id is None and params.has("device_id") and params.has("code"):
        device_id, pin = params.text("device_id"), params.text("code")
        matches = [c for c in call.workspace.codes_for_device(device_id) if c.code == pin]
        access_code_id = matches[0].access_code_id if matches else None
    elif access_code_id is None:
        raise invalid_input('Either "access_code_id" or "device_id" and "code" must be provided')
    return call.sandbox.access_code(call.workspace, access_code_id)


@route("access_codes/get")
def access_codes_get(call: Call) -> dict:
    return {"access_code": _find(call).to_wire()}


@route("access_codes/list")
def access_codes_list(call: Call) -> dict:
    device_id = call.params.text("device_id")
    code_ids = call.params.strings("access_code_ids")
    if device_id is None and code_ids is None:
        raise invalid_input("Either device_id or access_code_ids is required")
    codes = call.workspace.access_codes
    if device_id is not None:
        call.sandbox.device(call.workspace, device_id)
        found = call.workspace.codes_for_device(device_id)
        if code_ids is not None:
            wanted = set(code_ids)
            found = [code for code in found if code.access_code_id in wanted]
    else:
        found = [codes[i] for i in dict.fromkeys(code_ids) if i in codes]
    found.sort(key=lambda code: code.created_at)
    page, pagination = paginate(found, call.params, url=f"{call.base_url}/{call.route}")
    return {"access_codes": [code.to_wire() for code in page], "pagination": pagination}


def _success(call: Call, action_type: str, result: dict) -> dict:
    attempt = call.workspace.add_action_attempt(new_id(), action_type, "success", result=result)
    return {"action_attempt": dict(attempt)}


@route("access_codes/update")
def access_codes_update(call: Call) -> dict:
    sandbox, workspace, now, params = call.sandbox, call.workspace, call.now, call.params
    code = _find(call)
    if code.status == "removing":
        raise invalid_input("This access code is being removed and can no longer be updated")
    device = sandbox.device(workspace, code.device_id)
    _rate_limit(call, code.device_id, "update")
    new_pin = params.text("code") or code.code
    starts_at, ends_at = code.starts_at, code.ends_at
    if params.text("type") == "ongoing":
        starts_at = ends_at = None
    else:
        starts_at = params.timestamp("starts_at") or starts_at
        ends_at = params.timestamp("ends_at") or ends_at
    referee.check_update(
        device,
        code,
        code=new_pin,
        starts_at=starts_at,
        ends_at=ends_at,
        on_device=sandbox.codes_on_device(workspace, code.device_id),
        now=now,
    )
    if params.has("name"):
        code.name = params.text("name")
        code.appearance_name = referee.appearance_name(code.name, device)
    allow = params.flag("allow_external_modification", None)
    if allow is None:
        allow = params.flag("is_external_modification_allowed", None)
    if allow is not None:
        code.allow_external_modification = allow
    if params.has("use_backup_access_code_pool"):
        code.use_backup_pool = params.flag("use_backup_access_code_pool")
    brand_native = BRANDS[device["properties"]["manufacturer"]].native_scheduling
    preference = params.flag("prefer_native_scheduling", None)
    if preference is None:
        native = code.native_scheduling if code.starts_at else brand_native
    else:
        native = brand_native and preference
    native = native and starts_at is not None
    changed_pin = new_pin != code.code
    changed_window = (starts_at, ends_at) != (code.starts_at, code.ends_at)
    if changed_pin or changed_window or native != code.native_scheduling:
        code.code, code.starts_at, code.ends_at = new_pin, starts_at, ends_at
        code.type = "time_bound" if starts_at else "ongoing"
        code.native_scheduling = native
        mutation = "updating_code" if changed_pin else "updating_time_frame"
        code_lifecycle.reprogram(code, now, referee.program_at(code, now), mutation)
    sandbox.emit(workspace, "access_code.changed", now, code=code)
    sandbox.touch(workspace, code)
    return _success(call, "UPDATE_ACCESS_CODE", {"access_code": code.to_wire()})


@route("access_codes/delete")
def access_codes_delete(call: Call) -> dict:
    sandbox, workspace, now = call.sandbox, call.workspace, call.now
    code = _find(call)
    if code.is_offline:
        raise invalid_input(
            "Offline access codes cannot be deleted through the API; they expire at ends_at "
            "(removing one early needs the manufacturer's app within Bluetooth range)"
        )
    _rate_limit(call, code.device_id, "delete")
    if code.status != "removing":
        code_lifecycle.start_removal(code, now)
        code.deleted_event_sent = True
        sandbox.emit(workspace, "access_code.deleted", now, code=code)
        sandbox.touch(workspace, code)
    return _success(call, "DELETE_ACCESS_CODE", {})


@route("access_codes/pull_backup_access_code")
def access_codes_pull_backup(call: Call) -> dict:
    sandbox, workspace, now = call.sandbox, call.workspace, call.now
    code = sandbox.access_code(workspace, call.params.text("access_code_id", required=True))
    if code.type != "time_bound":
        raise invalid_input("Backups can only be used for time_bound access codes.")
    if not code.use_backup_pool:
        raise invalid_input("This access code was not created with use_backup_access_code_pool=true")
    backup = workspace.access_codes.get(code.backup_access_code_id or "")
    if backup is None:
        device = sandbox.device(workspace, code.device_id)
        lengths = device["properties"].get("supported_code_lengths") or [4]
        taken = referee.pins(sandbox.codes_on_device(workspace, code.device_id))
        constraints = device["properties"].get("code_constraints") or []
        backup = AccessCode(
            access_code_id=new_id(),
            device_id=code.device_id,
            workspace_id=workspace.workspace_id,
            type="time_bound",
            created_at=now,
            name=f"Backup for {code.name or code.access_code_id}",
            code=generate_code(min(lengths), constraints=constraints, taken=taken),
            starts_at=code.starts_at,
            ends_at=code.ends_at,
            is_backup=True,
            status="set",
            on_device=True,  # pool codes are already on the lock; that is the point of the pool
        )
        workspace.add_code(backup)
        code.backup_access_code_id = backup.access_code_id
        sandbox.emit(
            workspace,
            "access_code.backup_access_code_pulled",
            now,
            code=code,
            backup_access_code_id=backup.access_code_id,
        )
        sandbox.touch(workspace, backup)
    return {"backup_access_code": backup.to_wire()}


@route("access_codes/unmanaged/list")
def unmanaged_list(call: Call) -> dict:
    device = call.sandbox.device(call.workspace, call.params.text("device_id", required=True))
    codes = [c for c in call.workspace.unmanaged_codes.values() if c["device_id"] == device["device_id"]]
    return {"access_codes": codes}


@route("access_codes/unmanaged/get")
def unmanaged_get(call: Call) -> dict:
    code = call.workspace.unmanaged_codes.get(call.params.text("access_code_id", required=True))
    if code is None:
        raise not_found(
            "access_code_not_found", "Could not find an unmanaged access_code with access_code_id"
        )
    return {"access_code": code}


@route("access_codes/unmanaged/delete")
def unmanaged_delete(call: Call) -> dict:
    unmanaged_get(call)
    call.workspace.unmanaged_codes.pop(call.params.text("access_code_id"))
    call.sandbox.mark_dirty()
    return _success(call, "DELETE_ACCESS_CODE", {})
