from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone

from accesscodes.backup import access_code_backup_pull
from accesscodes.filters import AccessCodeFilterForm
from accesscodes.forms import AccessCodeEditForm, AccessCodeForm
from accesscodes.models import AccessCode
from accesscodes.selectors import (
    access_code_get,
    access_code_history,
    access_code_rows,
    access_codes_for_workspace,
    advised_actions,
    deletion_refusal,
    device_form_options,
    device_rules,
    device_zone_name,
    modification_refusal,
    offered_actions,
)
from accesscodes.services import (
    access_code_create,
    access_code_delete,
    access_code_sync_retry,
    access_code_update,
)
from devices.models import Device
from portal.local_time import fits_zone
from portal.models import CODE_EDITOR_ROLES
from portal.tenant_views import WorkspaceView

CODES_PER_PAGE = 50


def code_page(request, access_codes):
    """One page of codes with their rows; `?page=` values that are not a page number show the first or
    last page rather than an error."""
    page = Paginator(access_codes, CODES_PER_PAGE).get_page(request.GET.get("page"))
    return page, access_code_rows(access_codes=page.object_list)


def code_form(form_class, *, device, workspace, data=None, **kwargs):
    """A create or change form fitted to the lock: only the fields it supports, times typed on its clock
    (the workspace's when the lock reports no zone), with the zone named next to them."""
    lock_zone = device_zone_name(device=device)
    form = form_class(
        data,
        options=device_form_options(device=device),
        zone_name=lock_zone or workspace.timezone,
        **kwargs,
    )
    form.zone_label = (
        f"{lock_zone}, the lock's time zone"
        if lock_zone
        else f"{workspace.timezone}, the workspace's time zone (the lock reports none)"
    )
    return form


def access_code_or_404(workspace, pk) -> AccessCode:
    try:
        return access_code_get(workspace=workspace, pk=pk)
    except AccessCode.DoesNotExist as exc:
        raise Http404("No such access code") from exc


class AccessCodeListView(WorkspaceView):
    def get(self, request):
        filters = AccessCodeFilterForm(request.GET)
        if filters.is_valid():
            access_codes = access_codes_for_workspace(workspace=self.workspace, **filters.cleaned_data)
        else:
            access_codes = AccessCode.objects.for_workspace(self.workspace).none()
        page, rows = code_page(request, access_codes)
        return self.render_page(
            "accesscodes/access_code_list.html",
            status=200 if filters.is_valid() else 400,
            filters=filters,
            page=page,
            rows=rows,
        )


class AccessCodeCreateView(WorkspaceView):
    """`codes/new/?device=<id>`: the device page's "new code" form posts here; a refused code comes back
    to this page with the errors on their fields."""

    read_roles = CODE_EDITOR_ROLES

    def device(self) -> Device:
        device_id = self.request.GET.get("device", "")
        device = (
            Device.objects.for_workspace(self.workspace).filter(pk=int(device_id)).first()
            if device_id.isascii() and device_id.isdigit()
            else None
        )
        if device is None:
            raise Http404("No such device")
        return device

    def get(self, request):
        device = self.device()
        return self.form_page(
            device, code_form(AccessCodeForm, device=device, workspace=self.workspace), status=200
        )

    def post(self, request):
        device = self.device()
        form = code_form(AccessCodeForm, device=device, workspace=self.workspace, data=request.POST)
        if form.is_valid():
            try:
                access_code = access_code_create(
                    workspace=self.workspace, device=device, created_by=request.user, **form.service_values
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"“{access_code.name}” created; it is being sent to the lock.")
                return redirect("access_code_detail", self.workspace.slug, access_code.pk)
        return self.form_page(device, form, status=400)

    def form_page(self, device, form, status):
        return self.render_page(
            "accesscodes/access_code_create.html",
            status=status,
            device=device,
            rules=device_rules(device=device),
            form=form,
        )


class AccessCodeDetailView(WorkspaceView):
    def get(self, request, pk):
        access_code = access_code_or_404(self.workspace, pk)
        return self.detail_page(access_code, self.edit_form(access_code), status=200)

    def post(self, request, pk):
        access_code = access_code_or_404(self.workspace, pk)
        form = self.edit_form(access_code, data=request.POST)
        if form.is_valid():
            try:
                access_code_update(access_code=access_code, actor=request.user, **form.service_values)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Change saved; it is being sent to the lock.")
                return redirect("access_code_detail", self.workspace.slug, access_code.pk)
        return self.detail_page(access_code, form, status=400)

    def edit_form(self, access_code, data=None):
        initial = {field: getattr(access_code, field) for field in AccessCodeEditForm.base_fields}
        return code_form(
            AccessCodeEditForm,
            device=access_code.device,
            workspace=self.workspace,
            data=data,
            initial=initial,
        )

    def change_refusal(self, access_code) -> str | None:
        """Why the page offers no change form: the lock's rules, or a window the form cannot show."""
        window = [moment for moment in (access_code.starts_at, access_code.ends_at) if moment is not None]
        form_zone = device_zone_name(device=access_code.device) or self.workspace.timezone
        with timezone.override(form_zone):
            fits = all(fits_zone(moment) for moment in window)
        if not fits:
            # A code adopted from Seam can carry any date; a form showing it in UTC as if it were local
            # time would move the window when saved.
            return (
                f"This code's window reaches past the end of the calendar in {form_zone}, so it "
                "cannot be edited here. Delete it and create a new one."
            )
        return modification_refusal(access_code)

    def detail_page(self, access_code, form, status):
        offered = offered_actions(access_code) if self.access.can_edit else set()
        return self.render_page(
            "accesscodes/access_code_detail.html",
            status=status,
            access_code=access_code,
            row=access_code_rows(access_codes=[access_code])[0],
            history=access_code_history(workspace=self.workspace, access_code=access_code),
            form=form,
            modification_refusal=self.change_refusal(access_code),
            deletion_refusal=deletion_refusal(access_code),
            offered_actions=offered,
            # An action offered next to the problem that advises it is not repeated in the page's buttons.
            bar_actions=offered - advised_actions(access_code),
        )


class AccessCodeActionView(WorkspaceView):
    """A button on the code's page: run `action`, say how it went, go back to the page."""

    http_method_names = ["post"]
    action = None
    done = ""

    def post(self, request, pk):
        access_code = access_code_or_404(self.workspace, pk)
        try:
            self.action(access_code=access_code, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, self.done)
        return redirect("access_code_detail", self.workspace.slug, access_code.pk)


class AccessCodeDeleteView(AccessCodeActionView):
    """GET asks for confirmation (what deleting does, or why it cannot be done); POST deletes."""

    http_method_names = ["get", "post"]
    read_roles = CODE_EDITOR_ROLES
    action = staticmethod(access_code_delete)
    done = "Deletion requested."

    def get(self, request, pk):
        access_code = access_code_or_404(self.workspace, pk)
        return self.render_page(
            "accesscodes/access_code_delete.html",
            access_code=access_code,
            row=access_code_rows(access_codes=[access_code])[0],
            deletion_refusal=deletion_refusal(access_code),
        )


class AccessCodeRetryView(AccessCodeActionView):
    action = staticmethod(access_code_sync_retry)
    done = "Retry queued."


class AccessCodeBackupView(AccessCodeActionView):
    action = staticmethod(access_code_backup_pull)
    done = "Backup code pulled."
