from django.db import models

from portal.tenancy import TenantModel


class ConnectedAccount(TenantModel):
    seam_connected_account_id = models.CharField(max_length=100)
    account_type = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "seam_connected_account_id"],
                name="unique_connected_account_per_workspace",
            )
        ]
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name or self.account_type or self.seam_connected_account_id


class Device(TenantModel):
    seam_device_id = models.CharField(max_length=100)
    connected_account = models.ForeignKey(
        ConnectedAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    device_type = models.CharField(max_length=100, blank=True)
    manufacturer = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=200, blank=True)
    online = models.BooleanField(default=False)
    locked = models.BooleanField(null=True, blank=True)
    battery_level = models.FloatField(null=True, blank=True, help_text="0 to 1, as Seam reports it.")
    can_program_online_access_codes = models.BooleanField(default=False)
    can_program_offline_access_codes = models.BooleanField(default=False)
    capabilities_supported = models.JSONField(default=list, blank=True)
    supported_code_lengths = models.JSONField(default=list, blank=True)
    max_active_codes_supported = models.PositiveIntegerField(null=True, blank=True)
    code_constraints = models.JSONField(default=list, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # Fingerprint of what the last sync stored: a sync rewrites only devices whose fingerprint changed.
    content_hash = models.CharField(max_length=32, blank=True, editable=False)
    last_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a sync last stored new data for this device: first seen, changed in Seam, or back "
        "after removal. A device that is not removed was seen by the workspace's last successful sync.",
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    # When the newest Seam event applied to online/battery/errors happened: an older one arriving late is
    # not applied over it. The next sync rewrites these fields from Seam's device anyway.
    health_event_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "seam_device_id"], name="unique_device_per_workspace"
            )
        ]
        # Pages filter by manufacturer within one workspace. One index instead of a global one plus its
        # LIKE twin: every index is written for every device a sync inserts.
        indexes = [models.Index(fields=["workspace", "manufacturer"], name="device_workspace_manufacturer")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def warning_codes(self) -> list[str]:
        return [warning.get("warning_code", "") for warning in self.warnings]

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class SyncRun(TenantModel):
    """One device sync of a workspace. A succeeded run read every page of Seam's listing: it is the "last
    seen" time of every device it did not mark removed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    devices_seen = models.PositiveIntegerField(default=0)
    devices_created = models.PositiveIntegerField(default=0)
    devices_updated = models.PositiveIntegerField(default=0, help_text="Known devices whose data changed.")
    devices_removed = models.PositiveIntegerField(default=0)
    accounts_seen = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Sync {self.started_at:%Y-%m-%d %H:%M} ({self.status})"
