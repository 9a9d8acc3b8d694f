from datetime import datetime, tzinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accesscodes.provider_facts import code_draft, device_facts, other_code
from accesscodes.providers import CodeDraft, OtherCode, implied_ends_at, validate_access_code
from portal.tenancy import TenantManager, TenantModel, TenantQuerySet

# Far enough for any real booking; far dates overflow the arithmetic on them (time zones, preloads).
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
DATE_OUT_OF_RANGE = f"Choose a date in the years {EARLIEST_YEAR} to {LATEST_YEAR}."


def is_within_date_range(value: datetime, zone: tzinfo) -> bool:
    """Whether `value` falls in the accepted years on `zone`'s clock. Compared, never converted, so a far
    date cannot overflow; a naive value is read on that clock."""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return datetime(EARLIEST_YEAR, 1, 1, tzinfo=zone) <= value < datetime(LATEST_YEAR + 1, 1, 1, tzinfo=zone)


# What the rules engine reads of a lock's other codes (`provider_facts.other_code`).
OTHER_CODE_FIELDS = ("code", "starts_at", "ends_at", "is_offline_access_code", "is_one_time_use", "name")


class AccessCodeQuerySet(TenantQuerySet):
    def occupying_devices(self, device_ids):
        """Codes that still take a slot on these locks: not removed, not waiting to be deleted, not failed."""
        return self.filter(device_id__in=device_ids, removed_at__isnull=True).exclude(
            sync_state__in=[AccessCode.SyncState.REMOVED, AccessCode.SyncState.FAILED]
        )


class AccessCode(TenantModel):
    objects = TenantManager.from_queryset(AccessCodeQuerySet)()

    class Status(models.TextChoices):
        # Seam's statuses, as Seam names them.
        UNSET = "unset", "Unset"
        SETTING = "setting", "Setting"
        SET = "set", "Set"
        REMOVING = "removing", "Removing"
        UNKNOWN = "unknown", "Unknown"

    class Type(models.TextChoices):
        ONGOING = "ongoing", "Ongoing"
        TIME_BOUND = "time_bound", "Time-bound"

    class SyncState(models.TextChoices):
        # What the portal still has to do with Seam for this code.
        PENDING_CREATE = "pending_create", "Waiting to be created in Seam"
        PENDING_UPDATE = "pending_update", "Waiting to be updated in Seam"
        PENDING_DELETE = "pending_delete", "Waiting to be deleted in Seam"
        IN_SYNC = "in_sync", "In sync with Seam"
        FAILED = "failed", "Seam refused it"
        REMOVED = "removed", "Removed"

    MAX_TIME_ROUNDING_CHOICES = [
        ("1hour", "1 hour"),
        ("1h", "1 hour (1h)"),
        ("1day", "1 day"),
        ("1d", "1 day (1d)"),
    ]

    # RESTRICT: a code keeps its lock from being deleted alone, not from going with its whole workspace.
    device = models.ForeignKey("devices.Device", on_delete=models.RESTRICT, related_name="+")
    seam_access_code_id = models.CharField(max_length=100, blank=True, db_index=True)
    name = models.CharField(max_length=200)
    code = models.CharField(
        max_length=12, blank=True, help_text="Leave empty to let the portal or Seam choose."
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    type = models.CharField(max_length=16, choices=Type.choices, editable=False, default=Type.ONGOING)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNSET)
    # Seam: the lock holds the code on its own schedule (native scheduling) while status is still unset.
    is_scheduled_on_device = models.BooleanField(default=False, editable=False)
    is_offline_access_code = models.BooleanField(default=False)
    is_one_time_use = models.BooleanField(default=False)
    max_time_rounding = models.CharField(max_length=8, choices=MAX_TIME_ROUNDING_CHOICES, default="1hour")
    allow_external_modification = models.BooleanField(default=False)
    prefer_native_scheduling = models.BooleanField(default=True)
    use_backup_access_code_pool = models.BooleanField(default=False)
    is_managed = models.BooleanField(
        default=True, help_text="False for codes found on the lock, not set via Seam."
    )
    common_code_key = models.CharField(max_length=100, blank=True)
    appearance = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    backup_access_code = models.JSONField(
        null=True, blank=True, help_text="Backup code pulled from Seam's pool."
    )

    sync_state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.PENDING_CREATE)
    sync_attempts = models.PositiveIntegerField(default=0)
    last_sync_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set before the first create call: from then on a retry must look in Seam before creating again.
    create_attempted_at = models.DateTimeField(null=True, blank=True)
    # What the last create call sent, to recognise the code in Seam if that call's answer was lost.
    create_request = models.JSONField(default=dict, blank=True)
    # When the last create that Seam never answered was sent. Seam may still process it late: the portal
    # looks for its code for a grace period before creating again, and links (never adopts) a late arrival.
    create_unanswered_at = models.DateTimeField(null=True, blank=True)
    # When a person (or the portal) last asked for Seam work on this code, to tell how late it got there.
    sync_requested_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    sync_lease_until = models.DateTimeField(null=True, blank=True)
    # When the newest Seam event that this row reflects happened: an older event arriving late is stale.
    seam_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by every change a person makes; a worker that finds it moved during a Seam call writes back
    # only what Seam reported, never over the person's change.
    edit_version = models.PositiveIntegerField(default=0, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "seam_access_code_id"],
                condition=~models.Q(seam_access_code_id=""),
                name="unique_seam_access_code_per_workspace",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True, ends_at__isnull=True)
                | models.Q(starts_at__isnull=False, ends_at__isnull=False, ends_at__gt=models.F("starts_at")),
                name="access_code_window_is_complete_and_ordered",
                violation_error_message="Both starts_at and ends_at must be provided together, ends_at after starts_at.",
            ),
        ]
        indexes = [
            # The API's cursor pages: one workspace's codes, newest id first, at any depth.
            models.Index(fields=["workspace", "-id"], name="access_code_workspace_newest"),
            # The pages read the codes still in use, a small part of a table that keeps every code ever
            # made: the list (newest first) and its count, the dashboard's counts by sync state, and the
            # codes that have started (departures with codes still on a lock). The scan for due work
            # (pushes and polls) reads the state index alone: it holds every column that scan needs.
            models.Index(
                fields=["workspace", "-created_at", "-id"],
                name="access_code_active_newest",
                condition=models.Q(removed_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "sync_state", "next_attempt_at", "next_poll_at", "id"],
                name="access_code_active_state",
                condition=models.Q(removed_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "starts_at"],
                name="access_code_active_starts",
                condition=models.Q(removed_at__isnull=True),
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} on {self.device}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    # Set by a service that read the lock's other codes once for several new codes (under the device
    # lock), so clean() judges each against them without reading them again.
    preloaded_other_codes = None

    def save(self, *args, **kwargs):
        self.type = self.type_for_window()
        super().save(*args, **kwargs)

    def type_for_window(self) -> str:
        return self.Type.TIME_BOUND if self.starts_at or self.ends_at else self.Type.ONGOING

    def clean(self):
        """The checks every entry point shares (admin, browser form, services): dates in range, the window
        the lock's brand implies, then every provider rule."""
        super().clean()
        if self.device_id and self.workspace_id and self.device.workspace_id != self.workspace_id:
            raise ValidationError({"device": "This device belongs to another workspace."})
        # Codes found on the lock, rows recording a code already in Seam (adopted, or a duplicate) and
        # removed codes show what Seam reports: nobody entered them, so no rule judges them.
        records_seam_code = self.pk is None and bool(self.seam_access_code_id)
        judged = self.is_managed and not self.removed_at and not records_seam_code
        previous = self.stored_draft() if judged else None
        if judged:
            errors = self.date_range_errors(previous=previous)
            if errors:
                raise ValidationError(errors)  # before any rule does arithmetic on a far date
        if not self.device_id:
            # A draft without its lock (a ModelForm validates before the service adds the device): only
            # the checks above apply; the service runs full_clean again with the device.
            return
        self.complete_window()
        if judged:
            errors = self.rule_errors(previous=previous, now=timezone.now())
            if errors:
                raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        if not self.device_id:
            # The window is complete only once the lock's brand had its say (complete_window).
            exclude = {*(exclude or ()), "starts_at", "ends_at"}
        super().validate_constraints(exclude=exclude)

    def complete_window(self) -> None:
        """Store the end the lock's brand gives a code sent with a start only (an igloohome one-time-use
        code lasts 24 hours), so every page shows the real window."""
        if self.starts_at is not None and self.ends_at is None:
            self.ends_at = implied_ends_at(device=device_facts(self.device), draft=code_draft(self))

    def date_range_errors(self, *, previous: CodeDraft | None) -> dict[str, list[str]]:
        """New or changed times outside the years the portal accepts, read on the active zone's clock."""
        zone = timezone.get_current_timezone()
        errors = {}
        for field in ("starts_at", "ends_at"):
            value = getattr(self, field)
            unchanged = previous is not None and getattr(previous, field) == value
            if value is not None and not unchanged and not is_within_date_range(value, zone):
                errors[field] = [DATE_OUT_OF_RANGE]
        return errors

    def rule_errors(self, *, previous: CodeDraft | None, now) -> dict[str, list[str]]:
        draft = code_draft(self)
        if previous == draft:
            return {}  # nothing a rule looks at changed (e.g. a status update from Seam)
        return validate_access_code(
            device=device_facts(self.device),
            draft=draft,
            others=self.other_codes(),
            previous=previous,
            now=now,
        )

    def other_codes(self) -> list[OtherCode]:
        """The other codes that take a slot on this code's lock, as the rules engine sees them."""
        if self.preloaded_other_codes is not None:
            return list(self.preloaded_other_codes)
        others = AccessCode.objects.for_workspace(self.workspace_id).occupying_devices([self.device_id])
        if self.pk is not None:
            others = others.exclude(pk=self.pk)
        return [other_code(other) for other in others.only(*OTHER_CODE_FIELDS)]

    def stored_draft(self) -> CodeDraft | None:
        """The code as it is saved, to let the rules judge a change rather than a new code."""
        if self.pk is None:
            return None
        stored = AccessCode.objects.for_workspace(self.workspace_id).filter(pk=self.pk).first()
        return code_draft(stored) if stored else None


class AccessCodeEvent(TenantModel):
    """The history the UI shows: every state change of a code, from the portal, Seam or a person."""

    access_code = models.ForeignKey(AccessCode, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=40)
    message = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}"


class SeamWriteReservation(TenantModel):
    """One row per write the portal sends to Seam for a device, so per-device rate limits hold across
    workers (Seam: 10 creates, 10 updates and 20 deletes per device per minute)."""

    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=16)
    reserved_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["device", "action", "reserved_at"])]


class UnlockRecord(TenantModel):
    """A lock opened or locked, as Seam reported it (`lock.unlocked` / `lock.locked`): the audit of who
    came in. Linked to the access code whose PIN was used when the lock's brand tells which one."""

    class Action(models.TextChoices):
        UNLOCKED = "unlocked", "Unlocked"
        LOCKED = "locked", "Locked"

    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="+")
    # The code is kept after its removal, so the audit keeps its link; SET_NULL should a row ever go.
    access_code = models.ForeignKey(
        AccessCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.UNLOCKED)
    occurred_at = models.DateTimeField(db_index=True)
    # Seam's method: keycode, manual, remote, automatic, card, unknown, ...
    method = models.CharField(max_length=40, blank=True)
    seam_event_id = models.CharField(max_length=100)
    raw = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "seam_event_id"], name="one_unlock_record_per_event")
        ]
        indexes = [models.Index(fields=["access_code", "occurred_at"], name="unlock_record_code_time")]
        ordering = ["-occurred_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.device_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
