"""Read-only, workspace-scoped admin for what the Seam sync mirrors. Seam owns every field: edits would be
overwritten by the next sync, so nobody (superusers included) changes, adds or deletes rows here."""

from django.contrib import admin, messages
from django.utils.html import format_html

from devices.models import ConnectedAccount, Device, SyncRun
from devices.schedules import device_sync_enqueue
from devices.selectors import DEVICE_HEALTH_CHOICES, DEVICE_HEALTH_FILTERS, LOW_BATTERY_LEVEL
from portal.admin_scoping import TenantAdmin
from portal.models import CODE_EDITOR_ROLES, Workspace
from portal.selectors import workspaces_for_user


class SeamMirrorAdmin(TenantAdmin):
    list_select_related = ["workspace"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeviceHealthFilter(admin.SimpleListFilter):
    title = "health"
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return DEVICE_HEALTH_CHOICES

    def queryset(self, request, queryset):
        health = DEVICE_HEALTH_FILTERS.get(self.value())
        return queryset.filter(health) if health is not None else queryset


class RemovedFilter(admin.SimpleListFilter):
    title = "in Seam"
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", "Present"), ("yes", "Removed from Seam")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(removed_at__isnull=self.value() == "no")
        return queryset


@admin.register(Device)
class DeviceAdmin(SeamMirrorAdmin):
    list_display = [
        "name",
        "workspace",
        "manufacturer",
        "model",
        "online",
        "battery",
        "issues",
        "last_changed_at",
        "removed_at",
    ]
    list_filter = [
        "manufacturer",
        "online",
        DeviceHealthFilter,
        RemovedFilter,
        ("workspace", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "seam_device_id", "model"]
    actions = ["sync_now"]

    @admin.display(description="battery", ordering="battery_level")
    def battery(self, device):
        if device.battery_level is None:
            return "—"
        percent = f"{device.battery_level:.0%}"
        return (
            format_html("<strong>{} low</strong>", percent)
            if device.battery_level < LOW_BATTERY_LEVEL
            else percent
        )

    @admin.display(description="warnings / errors")
    def issues(self, device):
        return f"{len(device.warnings)} / {len(device.errors)}"

    @admin.action(description="Sync now with Seam (whole workspace)", permissions=["sync"])
    def sync_now(self, request, queryset):
        # Checked per workspace of the selection: a manager in one workspace may be a viewer in another.
        selected = Workspace.objects.filter(pk__in=queryset.values("workspace_id"))
        permitted = selected.filter(pk__in=workspaces_for_user(user=request.user, roles=CODE_EDITOR_ROLES))
        refused = selected.exclude(pk__in=permitted)
        for workspace in permitted:
            device_sync_enqueue(workspace=workspace)
        if permitted:
            names = ", ".join(workspace.name for workspace in permitted)
            self.message_user(request, f"Sync queued for {names}.", messages.SUCCESS)
        if refused:
            names = ", ".join(workspace.name for workspace in refused)
            self.message_user(
                request, f"Not synced: you may only view the devices of {names}.", messages.ERROR
            )

    def has_sync_permission(self, request):
        return workspaces_for_user(user=request.user, roles=CODE_EDITOR_ROLES).exists()


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(SeamMirrorAdmin):
    list_display = ["__str__", "workspace", "account_type", "issue_count", "last_synced_at", "removed_at"]
    list_filter = ["account_type", RemovedFilter, ("workspace", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["display_name", "seam_connected_account_id"]

    @admin.display(description="warnings / errors")
    def issue_count(self, account):
        return f"{len(account.warnings)} / {len(account.errors)}"


@admin.register(SyncRun)
class SyncRunAdmin(SeamMirrorAdmin):
    list_display = [
        "started_at",
        "workspace",
        "status",
        "devices_seen",
        "devices_created",
        "devices_removed",
        "accounts_seen",
        "error_message",
    ]
    list_filter = ["status", ("workspace", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "started_at"
