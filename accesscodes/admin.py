import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.selectors import deletion_refusal
from accesscodes.services import (
    UPDATABLE_FIELDS,
    access_code_create,
    access_code_delete,
    access_code_sync_retry,
    access_code_update,
)
from devices.models import Device
from portal.admin_scoping import ScopedInlineMixin, TenantAdmin
from portal.selectors import workspaces_for_user

TIME_FIELDS = ("starts_at", "ends_at")

CREATE_FIELDS = [
    "device", "name", "code", "starts_at", "ends_at", "is_offline_access_code", "is_one_time_use",
    "max_time_rounding", "allow_external_modification", "prefer_native_scheduling",
    "use_backup_access_code_pool", "common_code_key",
]  # fmt: skip
SEAM_STATE_FIELDS = [
    "workspace", "seam_access_code_id", "type", "status", "is_managed", "appearance", "errors", "warnings",
    "backup_access_code", "sync_state", "sync_attempts", "last_sync_error", "next_attempt_at", "next_poll_at",
    "created_by", "created_at", "updated_at", "removed_at",
]  # fmt: skip


class DeviceFilter(admin.SimpleListFilter):
    """Django's related-field filter would list every tenant's devices; this one lists the user's."""

    title = "device"
    parameter_name = "device"

    def lookups(self, request, model_admin):
        devices = Device.objects.for_workspaces(model_admin.visible_workspaces(request)).order_by("name")
        return [(str(device.pk), device.name) for device in devices.only("pk", "name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # A hand-edited `?device=abc` matches nothing rather than raising ValueError.
        return queryset.filter(device_id=self.value()) if self.value().isdigit() else queryset.none()


class AccessCodeAdminForm(forms.ModelForm):
    class Meta:
        model = AccessCode
        fields = CREATE_FIELDS

    def clean(self):
        cleaned = super().clean()
        device = cleaned.get("device") or (self.instance.device if self.instance.device_id else None)
        if device is not None:
            # The code lives in its device's workspace; set before the model's clean() runs the rules.
            self.instance.workspace_id = device.workspace_id
        return cleaned


class AccessCodeEventInline(ScopedInlineMixin, admin.TabularInline):
    model = AccessCodeEvent
    fields = ["created_at", "kind", "message", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset.dangerously_all_workspaces()
        return queryset.for_workspaces(workspaces_for_user(user=request.user))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessCode)
class AccessCodeAdmin(TenantAdmin):
    form = AccessCodeAdminForm
    list_display = ["name", "device", "status", "type", "starts", "ends", "sync_state", "workspace"]
    list_filter = ["status", DeviceFilter, "type", "sync_state", "is_offline_access_code", "is_managed"]
    list_select_related = ["device", "workspace"]
    search_fields = ["name", "seam_access_code_id"]
    readonly_fields = SEAM_STATE_FIELDS
    inlines = [AccessCodeEventInline]
    actions = ["retry_sync", "delete_through_seam"]

    # -- times: typed and shown in the code's workspace zone, which every time field names ---------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with timezone.override(self._form_zone(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if isinstance(response, SimpleTemplateResponse):
                response.render()  # it would otherwise render later, outside the zone
            return response

    def _form_zone(self, request, object_id) -> str | None:
        """The zone of the code's workspace; on a submitted add form, of the chosen lock's workspace."""
        if object_id is not None:
            access_code = self.get_object(request, unquote(object_id))
            return form_zone(access_code) if access_code else None
        device_id = request.POST.get("device", "")
        if not device_id.isdigit():
            return None
        device = (
            Device.objects.for_workspaces(self.editable_workspaces(request))
            .select_related("workspace")
            .filter(pk=device_id)
            .first()
        )
        return device.workspace.timezone if device else None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        help_text = self._time_help_text(request, obj)
        for name in TIME_FIELDS:
            if name in form.base_fields:
                form.base_fields[name].help_text = help_text
        return form

    def _time_help_text(self, request, obj) -> str:
        if obj is not None:
            zone = form_zone(obj)
            if zone != obj.workspace.timezone:
                return f"In {zone}: the workspace's zone ({obj.workspace.timezone}) cannot show these dates."
            return f"In {zone}, the time zone of the code's workspace."
        zones = sorted(set(self.editable_workspaces(request).values_list("timezone", flat=True)))
        if len(zones) == 1:
            return f"In {zones[0]}, the time zone of the lock's workspace."
        listed = ", ".join(zones[:6]) + (", …" if len(zones) > 6 else "")
        return f"In the time zone of the chosen lock's workspace ({listed})."

    @admin.display(description="starts", ordering="starts_at")
    def starts(self, access_code):
        return in_workspace_zone(access_code.starts_at, access_code.workspace)

    @admin.display(description="ends", ordering="ends_at")
    def ends(self, access_code):
        return in_workspace_zone(access_code.ends_at, access_code.workspace)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        fixed_after_create = [field for field in CREATE_FIELDS if field not in UPDATABLE_FIELDS]
        return [*fixed_after_create, *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "device":
            field.queryset = field.queryset.filter(removed_at__isnull=True)
        return field

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Deleting rows would lose the code's history and leave it on the lock; deletion goes through Seam.
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in UPDATABLE_FIELDS
            }
            saved = access_code_update(access_code=obj, actor=request.user, **changes)
        else:
            values = {name: form.cleaned_data[name] for name in CREATE_FIELDS if name != "device"}
            saved = access_code_create(
                workspace=form.cleaned_data["device"].workspace,
                device=form.cleaned_data["device"],
                created_by=request.user,
                **values,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and deletion_refusal(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        access_code_delete(access_code=obj, actor=request.user)

    def _each_through_service(self, request, queryset, service, done):
        permitted, refused = self.split_by_role(request, queryset, self.edit_roles)
        if refused:
            names = ", ".join(str(access_code) for access_code in refused)
            self.message_user(
                request,
                f"Not done for {len(refused)} code(s) of workspaces where you may only view codes: {names}.",
                messages.ERROR,
            )
        succeeded = 0
        for access_code in permitted:
            try:
                service(access_code=access_code, actor=request.user)
                succeeded += 1
            except ValidationError as error:
                self.message_user(request, f"{access_code}: {' '.join(error.messages)}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{done}: {succeeded} code(s).", messages.SUCCESS)

    @admin.action(description="Retry the Seam sync of selected codes", permissions=["change"])
    def retry_sync(self, request, queryset):
        self._each_through_service(request, queryset, access_code_sync_retry, "Retry queued")

    @admin.action(description="Delete selected codes from their locks", permissions=["delete"])
    def delete_through_seam(self, request, queryset):
        self._each_through_service(request, queryset, access_code_delete, "Deletion queued")


def form_zone(access_code) -> str:
    """The workspace's zone, or UTC when a time of the code lies beyond what that zone can show."""
    zone = zoneinfo.ZoneInfo(access_code.workspace.timezone)
    try:
        for name in TIME_FIELDS:
            value = getattr(access_code, name)
            if value is not None:
                value.astimezone(zone)
    except OverflowError:
        return "UTC"
    return access_code.workspace.timezone


def in_workspace_zone(value, workspace) -> str | None:
    """`value` in the workspace's zone, with the zone named; in UTC where that zone cannot show it (a date
    at the very end of the calendar, as a code found on a lock may carry)."""
    if value is None:
        return None
    try:
        local = timezone.localtime(value, zoneinfo.ZoneInfo(workspace.timezone))
    except OverflowError:
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} {workspace.timezone}"
