"""Properties, units, bookings and the codes a booking owns.

Every row belongs to a workspace (fail-closed `TenantModel`), the links to doors included. `accesscodes`
never imports this app: the link between a booking and its access codes lives here (`BookingCode`).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accesscodes.bookings.ical.url_safety import validate_feed_url
from accesscodes.bookings.planner import PinSource
from portal.fields import EncryptedTextField
from portal.models import validate_timezone
from portal.tenancy import TenantModel

PIN_SOURCE_CHOICES = [
    (PinSource.PHONE.value, "Last digits of the guest's phone"),
    (PinSource.RANDOM.value, "Random"),
    (PinSource.PROVIDED.value, "Provided by the booking"),
]
PIN_LENGTH_VALIDATORS = [MinValueValidator(4), MaxValueValidator(8)]
MINUTES_VALIDATORS = [MinValueValidator(0), MaxValueValidator(7 * 24 * 60)]

# The code policy: the property holds every value; a unit may override each one (empty = the property's).
POLICY_FIELDS = (
    "pin_source",
    "pin_length",
    "early_access_minutes",
    "late_access_minutes",
    "same_pin_on_every_door",
    "offline_fallback",
    "readiness_lead_minutes",
    "use_backup_pool",
    "guest_data_retention_days",
)


class Property(TenantModel):
    name = models.CharField(max_length=200)
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="IANA zone, e.g. Europe/Berlin."
    )
    check_in_time = models.TimeField(default=dt.time(15, 0))
    check_out_time = models.TimeField(default=dt.time(11, 0))

    pin_source = models.CharField(max_length=24, choices=PIN_SOURCE_CHOICES, default=PinSource.PHONE.value)
    pin_length = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=PIN_LENGTH_VALIDATORS,
        help_text="Empty: the shortest length every door accepts (4-8).",
    )
    early_access_minutes = models.PositiveIntegerField(default=0, validators=MINUTES_VALIDATORS)
    late_access_minutes = models.PositiveIntegerField(default=0, validators=MINUTES_VALIDATORS)
    same_pin_on_every_door = models.BooleanField(default=True)
    offline_fallback = models.BooleanField(
        default=True, help_text="Give doors without an online connection an offline code."
    )
    readiness_lead_minutes = models.PositiveIntegerField(
        default=120,
        validators=MINUTES_VALIDATORS,
        help_text="Every door's code must be set this long before check-in.",
    )
    use_backup_pool = models.BooleanField(
        default=False, help_text="Use the door's backup code pool where it has one."
    )
    guest_data_retention_days = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(3650)],
        help_text="Guest name, e-mail and phone are redacted this many days after check-out.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "properties"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Unit(TenantModel):
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    external_id = models.CharField(
        max_length=200, blank=True, help_text="The listing's id in the booking system."
    )

    pin_source = models.CharField(
        max_length=24, choices=PIN_SOURCE_CHOICES, blank=True, help_text="Empty: the property's."
    )
    pin_length = models.PositiveSmallIntegerField(null=True, blank=True, validators=PIN_LENGTH_VALIDATORS)
    early_access_minutes = models.PositiveIntegerField(null=True, blank=True, validators=MINUTES_VALIDATORS)
    late_access_minutes = models.PositiveIntegerField(null=True, blank=True, validators=MINUTES_VALIDATORS)
    same_pin_on_every_door = models.BooleanField(null=True, blank=True)
    offline_fallback = models.BooleanField(null=True, blank=True)
    readiness_lead_minutes = models.PositiveIntegerField(null=True, blank=True, validators=MINUTES_VALIDATORS)
    use_backup_pool = models.BooleanField(null=True, blank=True)
    guest_data_retention_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(3650)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_unit_external_id_per_workspace",
                violation_error_message="Another unit of this workspace has this external id.",
            )
        ]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.property_id and self.workspace_id and self.property.workspace_id != self.workspace_id:
            raise ValidationError({"property": "This property belongs to another workspace."})


class PropertySharedDoor(TenantModel):
    """A door every guest of the property needs (a building entrance)."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["property", "device"], name="unique_property_shared_door")
        ]


class UnitDoor(TenantModel):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "device"], name="unique_unit_door")]


# Beyond these, a stay is a typing error; and near year 1 or 9999 the property's zone cannot even be applied.
STAY_YEARS = range(2000, 2101)
STAY_YEARS_MESSAGE = "Use a date between the years 2000 and 2100."


class Booking(TenantModel):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        TENTATIVE = "tentative", "Tentative"
        CANCELLED = "cancelled", "Cancelled"

    unit = models.ForeignKey(Unit, on_delete=models.RESTRICT, related_name="+")
    source = models.CharField(max_length=60, help_text="The booking system, e.g. hostaway.")
    external_id = models.CharField(max_length=200, help_text="The booking's id in that system.")
    guest_name = models.CharField(max_length=200, blank=True)
    guest_email = models.EmailField(blank=True)
    guest_phone = models.CharField(max_length=40, blank=True)
    provided_pin = models.CharField(max_length=12, blank=True)
    check_in = models.DateTimeField()
    check_out = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    pin = models.CharField(max_length=12, blank=True, help_text="The PIN the guest was given.")
    guest_data_redacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"],
                name="unique_booking_per_source",
                violation_error_message="This workspace already has a booking with this source and id.",
            ),
            models.CheckConstraint(
                condition=models.Q(check_out__gt=models.F("check_in")),
                name="booking_check_out_after_check_in",
                violation_error_message="Check-out must be after check-in.",
            ),
        ]
        # The bookings list's order and the arrivals' check-in range, within one workspace.
        indexes = [models.Index(fields=["workspace", "check_in", "id"], name="booking_workspace_check_in")]
        ordering = ["check_in", "pk"]

    def __str__(self):
        return f"{self.source}:{self.external_id}"

    @property
    def reference(self) -> str:
        return f"{self.source}:{self.external_id}"

    def clean(self):
        super().clean()
        if self.unit_id and self.workspace_id and self.unit.workspace_id != self.workspace_id:
            raise ValidationError({"unit": "This unit belongs to another workspace."})
        for field in ("check_in", "check_out"):
            value = getattr(self, field)
            if value is not None and value.year not in STAY_YEARS:
                raise ValidationError({field: STAY_YEARS_MESSAGE})


class BookingCode(TenantModel):
    """One access code a booking owns, on one of its doors (two on an igloohome door for a long stay)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    access_code = models.OneToOneField("accesscodes.AccessCode", on_delete=models.RESTRICT, related_name="+")
    device = models.ForeignKey("devices.Device", on_delete=models.RESTRICT, related_name="+")
    part = models.PositiveSmallIntegerField(default=1)
    # Offline codes cannot be revoked: once the booking no longer needs one, it is kept here, released.
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["device_id", "part"]


class BookingEvent(TenantModel):
    """The booking's timeline: received, planned, each code's steps, alerts, ignored updates."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=40)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class Alert(TenantModel):
    class Kind(models.TextChoices):
        NOT_READY = "not_ready", "Code not set before arrival"
        OFFLINE_CODE_STILL_VALID = "offline_code_still_valid", "Offline code still valid"
        PIN_CHANGED = "pin_changed", "PIN changed after it was on a lock"
        UNIT_WITHOUT_DOORS = "unit_without_doors", "Unit has no doors"
        NO_CODE_POSSIBLE = "no_code_possible", "No code possible on a door"
        STALE_UPDATE = "stale_update", "Out-of-date update ignored"
        MISSING_FROM_FEED = "missing_from_feed", "Booking gone from its calendar feed during the stay"
        WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled", "Webhook endpoint disabled"
        HOOK_FAILED = "hook_failed", "Booking hook could not be applied"

    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(
        "devices.Device", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # booking, door and kind in one string: at most one open alert per condition (nulls included).
    condition_key = models.CharField(max_length=120, editable=False)
    message = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "condition_key"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_alert_per_condition",
            )
        ]
        ordering = ["-opened_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.message[:60]}"


# Summaries that mark a blocked period rather than a stay (Airbnb, Booking.com, VRBO, Google exports).
DEFAULT_BLOCK_PATTERNS = "\n".join(
    ["Not available", "Blocked", "Airbnb (Not available)", "CLOSED - Not available", "Unavailable"]
)


class CalendarFeed(TenantModel):
    """A unit's calendar export (iCal) URL, polled for bookings; its fields after `created_at` are its
    health, written by each import."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200, help_text="e.g. Airbnb, VRBO, Booking.com.")
    # Encrypted: a calendar export address is a bearer token to the guests' stays.
    url = EncryptedTextField(
        validators=[validate_feed_url],
        help_text="The calendar's export (iCal) address, https://…",
    )
    block_patterns = models.TextField(
        blank=True,
        default=DEFAULT_BLOCK_PATTERNS,
        help_text="One per line: an event whose summary contains one of them (any case) is a blocked "
        "period, not a booking, and never gets a code.",
    )
    poll_interval_minutes = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    next_import_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    events_seen = models.PositiveIntegerField(
        default=0, editable=False, help_text="Events in the last calendar fetched, blocks included."
    )
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["unit_id", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def source(self) -> str:
        """The `source` of the bookings this feed imports."""
        return f"ical:{self.pk}"

    @property
    def block_pattern_list(self) -> list[str]:
        return [line.strip() for line in self.block_patterns.splitlines() if line.strip()]

    @property
    def is_healthy(self) -> bool:
        return self.last_success_at is not None and (
            self.last_error_at is None or self.last_success_at >= self.last_error_at
        )

    def clean(self):
        super().clean()
        if self.unit_id and self.workspace_id and self.unit.workspace_id != self.workspace_id:
            raise ValidationError({"unit": "This unit belongs to another workspace."})


class CalendarFeedEntry(TenantModel):
    """One UID a feed has shown: its booking, how many successful fetches in a row it has been missing
    from (the outage guard cancels only after 3), and why it could not be imported, if it could not."""

    feed = models.ForeignKey(CalendarFeed, on_delete=models.CASCADE, related_name="+")
    uid = models.CharField(max_length=500)
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    last_seen_at = models.DateTimeField()
    missed_fetches = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "uid"], name="unique_calendar_feed_uid")]
        ordering = ["feed_id", "uid"]
        verbose_name_plural = "calendar feed entries"

    def __str__(self):
        return self.uid


class BookingSource(TenantModel):
    """A booking system that pushes bookings to `/hooks/bookings/<token>/`, signed Standard-Webhooks style.

    Only the SHA-256 of the URL token is stored (256 random bits, so a fast hash is safe): the URL is shown
    once, like the secret. During a rotation the previous secret verifies too, until it expires."""

    name = models.CharField(max_length=200)
    key = models.SlugField(
        max_length=60, editable=False, help_text="The bookings' source: fixed when the source is created."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    secret = EncryptedTextField(editable=False)
    previous_secret = EncryptedTextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(
        null=True, blank=True, help_text="A disabled source answers 410 Gone, so senders stop."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"],
                name="unique_booking_source_key_per_workspace",
                violation_error_message="This workspace already has a booking source with this name.",
            )
        ]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def verifying_secrets(self, *, now: dt.datetime) -> list:
        """The secrets a delivery may be signed with now: the current one, then the previous one during
        the overlap."""
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and now < self.previous_secret_expires_at:
            secrets.append(self.previous_secret)
        return secrets


class BookingHookDelivery(TenantModel):
    """The inbox: every accepted delivery, stored before it is processed and kept for 30 days."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        IGNORED = "ignored", "Ignored"

    source = models.ForeignKey(BookingSource, on_delete=models.CASCADE, related_name="+")
    webhook_id = models.CharField(max_length=200)
    # The booking it names: one booking's deliveries are applied in the order they arrived.
    external_id = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    headers = models.JSONField(default=dict, help_text="As received, without signatures and secrets.")
    body = models.TextField()
    event_type = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.TextField(blank=True)
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "webhook_id"], name="one_delivery_per_webhook_id")
        ]
        indexes = [models.Index(fields=["source", "external_id", "id"], name="hook_delivery_booking_order")]
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "booking hook deliveries"

    def __str__(self):
        return f"{self.event_type} {self.webhook_id}"
