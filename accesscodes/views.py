from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accesscodes.backup import access_code_backup_pull
from accesscodes.explanations import explain
from accesscodes.forms import AccessCodeEditForm, AccessCodeForm
from accesscodes.models import AccessCode
from accesscodes.selectors import (
    access_code_get,
    access_code_history,
    access_codes_for_device,
    access_codes_for_workspace,
    deletion_refusal,
    device_rules,
    local_window,
    modification_refusal,
)
from accesscodes.services import (
    access_code_create,
    access_code_delete,
    access_code_sync_retry,
    access_code_update,
)
from devices.models import Device
from portal.selectors import user_can_edit_codes, workspace_get_for_user


def _workspace_for(request, workspace_slug):
    workspace = workspace_get_for_user(user=request.user, slug=workspace_slug)
    # Times in forms and pages are the workspace's local time.
    timezone.activate(workspace.timezone)
    return workspace, user_can_edit_codes(user=request.user, workspace=workspace)


def _require_editor(can_edit: bool) -> None:
    if not can_edit:
        raise PermissionDenied("Viewers cannot change access codes.")


def _device_or_404(workspace, device_id) -> Device:
    device = Device.objects.for_workspace(workspace).filter(pk=device_id).first()
    if device is None:
        raise Http404("No such device")
    return device


def _code_or_404(workspace, pk) -> AccessCode:
    try:
        return access_code_get(workspace=workspace, pk=pk)
    except AccessCode.DoesNotExist as exc:
        raise Http404("No such access code") from exc


def _rows(access_codes):
    return [
        {
            "code": access_code,
            "local_window": local_window(access_code=access_code),
            "issues": [explain(issue) for issue in [*access_code.errors, *access_code.warnings]],
        }
        for access_code in access_codes
    ]


@login_required
def access_code_list(request, workspace_slug):
    workspace, can_edit = _workspace_for(request, workspace_slug)
    filters = {name: request.GET.get(name, "") for name in ("status", "sync_state", "type")}
    access_codes = access_codes_for_workspace(workspace=workspace, filters=filters)
    return render(
        request,
        "accesscodes/access_code_list.html",
        {
            "workspace": workspace,
            "rows": _rows(access_codes),
            "filters": filters,
            "statuses": AccessCode.Status.choices,
            "sync_states": AccessCode.SyncState.choices,
            "can_edit": can_edit,
        },
    )


@login_required
def device_detail(request, workspace_slug, device_id):
    workspace, can_edit = _workspace_for(request, workspace_slug)
    device = _device_or_404(workspace, device_id)
    form = AccessCodeForm(request.POST or None)
    if request.method == "POST":
        _require_editor(can_edit)
        if form.is_valid():
            try:
                access_code = access_code_create(
                    workspace=workspace, device=device, created_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"“{access_code.name}” created; it is being sent to the lock.")
                return redirect("access_code_detail", workspace.slug, access_code.pk)
    return render(
        request,
        "accesscodes/device_detail.html",
        {
            "workspace": workspace,
            "device": device,
            "rules": device_rules(device=device),
            "device_issues": [explain(issue) for issue in [*device.errors, *device.warnings]],
            "rows": _rows(access_codes_for_device(workspace=workspace, device=device)),
            "form": form,
            "can_edit": can_edit and not device.is_removed,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def access_code_detail(request, workspace_slug, pk):
    workspace, can_edit = _workspace_for(request, workspace_slug)
    access_code = _code_or_404(workspace, pk)
    refusal = modification_refusal(access_code)
    initial = {field: getattr(access_code, field) for field in AccessCodeEditForm.base_fields}
    form = AccessCodeEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _require_editor(can_edit)
        if form.is_valid():
            try:
                access_code_update(access_code=access_code, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Change saved; it is being sent to the lock.")
                return redirect("access_code_detail", workspace.slug, access_code.pk)
    return render(
        request,
        "accesscodes/access_code_detail.html",
        {
            "workspace": workspace,
            "access_code": access_code,
            "row": _rows([access_code])[0],
            "history": access_code_history(workspace=workspace, access_code=access_code),
            "form": form,
            "can_edit": can_edit,
            "modification_refusal": refusal,
            "deletion_refusal": deletion_refusal(access_code),
        },
        status=400 if request.method == "POST" else 200,
    )


def _code_action(request, workspace_slug, pk, action, done):
    workspace, can_edit = _workspace_for(request, workspace_slug)
    _require_editor(can_edit)
    access_code = _code_or_404(workspace, pk)
    try:
        action(access_code=access_code, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("access_code_detail", workspace.slug, access_code.pk)


@login_required
@require_POST
def access_code_delete_view(request, workspace_slug, pk):
    return _code_action(request, workspace_slug, pk, access_code_delete, "Deletion requested.")


@login_required
@require_POST
def access_code_retry_view(request, workspace_slug, pk):
    return _code_action(request, workspace_slug, pk, access_code_sync_retry, "Retry queued.")


@login_required
@require_POST
def access_code_backup_view(request, workspace_slug, pk):
    return _code_action(request, workspace_slug, pk, access_code_backup_pull, "Backup code pulled.")
