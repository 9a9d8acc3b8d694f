from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accesscodes.bookings.hook_sources import (
    booking_source_create,
    booking_source_key,
    booking_source_secret_rotate,
    booking_source_url_rotate,
)
from accesscodes.bookings.ical.services import calendar_feed_import_enqueue, calendar_feed_save
from accesscodes.bookings.inbox import hook_delivery_process_again
from accesscodes.bookings.models import (
    POLICY_FIELDS,
    Alert,
    Booking,
    BookingEvent,
    BookingHookDelivery,
    BookingSource,
    CalendarFeed,
    CalendarFeedEntry,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.property_services import (
    CODE_POLICY_FIELDS,
    bookings_replan_on_commit,
    property_unit_ids,
    replan_reason,
)
from accesscodes.bookings.selectors import booking_code_links
from accesscodes.bookings.services import booking_cancel, booking_preview, booking_upsert
from devices.models import Device
from portal.admin_scoping import ScopedInlineMixin, TenantAdmin
from portal.models import CODE_EDITOR_ROLES, WORKSPACE_ADMIN_ROLES
from portal.selectors import workspaces_for_user

BOOKING_INPUT_FIELDS = [
    "unit", "source", "external_id", "guest_name", "guest_email", "guest_phone", "provided_pin",
    "check_in", "check_out", "status",
]  # fmt: skip


class TenantInline(ScopedInlineMixin, admin.TabularInline):
    """An inline of tenant rows: scoped reads, scoped choices, and new rows in the parent's workspace."""

    extra = 0

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset.dangerously_all_workspaces()
        return queryset.for_workspaces(workspaces_for_user(user=request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Device and not request.user.is_superuser:
            kwargs["queryset"] = Device.objects.for_workspaces(workspaces_for_user(user=request.user))
        elif db_field.related_model is Device:
            kwargs["queryset"] = Device.objects.dangerously_all_workspaces()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReplanOnDoorOrPolicyChangeMixin:
    """Edits here bypass the property services: once the doors (an inline) or the code policy changed,
    the bookings of the units they concern are planned again, as the services do."""

    door_inline: type[admin.TabularInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        doors_changed = "property" in form.changed_data or any(
            formset.model is self.door_inline.model and formset.has_changed() for formset in formsets
        )
        policy_changed = bool(set(form.changed_data) & set(CODE_POLICY_FIELDS))
        if change and (doors_changed or policy_changed):
            bookings_replan_on_commit(
                workspace_id=form.instance.workspace_id,
                unit_ids=self.unit_ids(form.instance),
                reason=replan_reason(form.instance.name, doors_changed=doors_changed),
            )


class PropertySharedDoorInline(TenantInline):
    model = PropertySharedDoor
    fields = ["device"]
    verbose_name = "shared door"
    verbose_name_plural = "shared doors (every guest of the property needs them)"


class UnitDoorInline(TenantInline):
    model = UnitDoor
    fields = ["device"]
    verbose_name = "door"


class CalendarFeedInline(TenantInline):
    """The unit's calendar feeds and their health; each is added and edited on its own page."""

    model = CalendarFeed
    fields = ["name", "health", "last_success_at", "events_seen"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = "calendar feeds (iCal)"

    def has_view_permission(self, request, obj=None):
        return True  # whoever may see the unit (the parent page checked it); the rows are scoped

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="health")
    def health(self, feed):
        return feed_health(feed)


def feed_health(feed: CalendarFeed) -> str:
    if feed.is_healthy:
        return "OK"
    if feed.last_error_at is None:
        return "Not imported yet"
    return f"Failing: {feed.last_error}"


class WorkspaceChildrenMixin:
    """Inline rows take the parent's workspace; a door of another workspace is left out, and said so."""

    def save_formset(self, request, form, formset, change):
        workspace_id = form.instance.workspace_id
        for instance in formset.save(commit=False):
            if getattr(instance, "device_id", None) and instance.device.workspace_id != workspace_id:
                self.message_user(
                    request, f"{instance.device} belongs to another workspace: not added.", messages.ERROR
                )
                continue
            instance.workspace_id = workspace_id
            instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()


@admin.register(Property)
class PropertyAdmin(ReplanOnDoorOrPolicyChangeMixin, WorkspaceChildrenMixin, TenantAdmin):
    edit_roles = WORKSPACE_ADMIN_ROLES
    door_inline = PropertySharedDoorInline

    @staticmethod
    def unit_ids(property):
        return property_unit_ids(property)

    list_display = ["name", "timezone", "check_in_time", "check_out_time", "workspace"]
    list_select_related = ["workspace"]
    search_fields = ["name"]
    inlines = [PropertySharedDoorInline]
    fieldsets = [
        (None, {"fields": ["workspace", "name", "timezone", "check_in_time", "check_out_time"]}),
        (
            "Code policy (each unit may override it)",
            {"fields": list(POLICY_FIELDS)},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # A property never changes workspace: its units, doors and bookings would stay behind pointing at it.
        return ["workspace"] if obj is not None else []


@admin.register(Unit)
class UnitAdmin(ReplanOnDoorOrPolicyChangeMixin, WorkspaceChildrenMixin, TenantAdmin):
    edit_roles = WORKSPACE_ADMIN_ROLES
    door_inline = UnitDoorInline

    @staticmethod
    def unit_ids(unit):
        return [unit.pk]

    list_display = ["name", "property", "external_id", "workspace"]
    list_select_related = ["property", "workspace"]
    search_fields = ["name", "external_id"]
    inlines = [UnitDoorInline, CalendarFeedInline]

    def save_model(self, request, obj, form, change):
        obj.workspace_id = obj.property.workspace_id
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ["workspace"]


class BookingEventInline(TenantInline):
    model = BookingEvent
    fields = ["created_at", "kind", "message"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "timeline"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BookingAdminForm(forms.ModelForm):
    class Meta:
        model = Booking
        fields = BOOKING_INPUT_FIELDS

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        if self.instance.pk and unit.workspace_id != self.instance.workspace_id:
            raise ValidationError("Pick a unit of the booking's own workspace.")
        return unit


@admin.register(Booking)
class BookingAdmin(TenantAdmin):
    form = BookingAdminForm
    list_display = ["__str__", "unit", "guest_name", "stay", "status", "workspace"]
    list_filter = ["status"]
    list_select_related = ["unit__property", "workspace"]
    search_fields = ["external_id", "guest_name", "guest_email"]
    readonly_fields = ["pin", "source_updated_at", "guest_data_redacted_at", "plan", "codes"]
    inlines = [BookingEventInline]
    actions = ["cancel_bookings"]

    def get_fields(self, request, obj=None):
        return [*BOOKING_INPUT_FIELDS, *self.readonly_fields]

    # -- times: typed and shown on the property's clock, which the time fields name ----------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with timezone.override(self._property_zone(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if isinstance(response, SimpleTemplateResponse):
                response.render()  # it would otherwise render later, outside the zone
            return response

    def _property_zone(self, request, object_id) -> str | None:
        """The booking's property zone; on a submitted add form, the chosen unit's property zone."""
        if object_id is not None:
            booking = self.get_object(request, unquote(object_id))
            return booking.unit.property.timezone if booking else None
        unit_id = request.POST.get("unit", "")
        if not unit_id.isdigit():
            return None
        unit = (
            Unit.objects.for_workspaces(self.editable_workspaces(request))
            .select_related("property")
            .filter(pk=unit_id)
            .first()
        )
        return unit.property.timezone if unit else None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        where = (
            f"In {timezone.get_current_timezone_name()}, the property's time zone."
            if obj is not None
            else "In the time zone of the chosen unit's property."
        )
        for name in ("check_in", "check_out"):
            if name in form.base_fields:
                form.base_fields[name].help_text = where
        return form

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "source", "external_id"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        outcome = booking_upsert(
            workspace=data["unit"].workspace,
            source=obj.source,
            external_id=obj.external_id,
            **{name: data[name] for name in BOOKING_INPUT_FIELDS if name not in ("source", "external_id")},
        )
        obj.pk = outcome.booking.pk
        obj.refresh_from_db()

    @admin.display(description="Stay (property's clock)", ordering="check_in")
    def stay(self, obj):
        zone = ZoneInfo(obj.unit.property.timezone)
        check_in, check_out = obj.check_in.astimezone(zone), obj.check_out.astimezone(zone)
        return f"{check_in:%Y-%m-%d %H:%M} → {check_out:%Y-%m-%d %H:%M} {obj.unit.property.timezone}"

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a booking's codes go through cancel, never a row delete
        return actions

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel selected bookings (removes their codes)", permissions=["change"])
    def cancel_bookings(self, request, queryset):
        cancelled = 0
        for booking in queryset:
            if not self.has_change_permission(request, booking):
                self.message_user(request, f"{booking}: your role may not change it.", messages.ERROR)
                continue
            booking_cancel(booking=booking)
            cancelled += 1
        if cancelled:
            self.message_user(request, f"Cancelled {cancelled} booking(s).", messages.SUCCESS)

    @admin.display(description="Plan (what the doors should hold)")
    def plan(self, obj):
        if obj.pk is None or obj.status != Booking.Status.CONFIRMED:
            return "No codes: the booking is not confirmed."
        the_plan, _ = booking_preview(
            workspace=obj.workspace,
            unit=obj.unit,
            check_in=obj.check_in,
            check_out=obj.check_out,
            guest_name=obj.guest_name,
            guest_phone=obj.guest_phone,
            provided_pin=obj.provided_pin,
            source=obj.source,
            external_id=obj.external_id,
        )
        zone = timezone.get_current_timezone_name()
        return (
            format_html_join(
                "",
                "<p><strong>{}</strong> · {} · {} → {} ({}) · PIN {}<br><span class='help'>{}</span></p>",
                (
                    (
                        planned.door_name,
                        planned.kind.value.replace("_", " "),
                        _local(planned.starts_at),
                        _local(planned.ends_at),
                        zone,
                        planned.code or ("picked by the provider" if planned.provider_picks_pin else "—"),
                        " ".join(planned.reasons),
                    )
                    for planned in the_plan.codes
                ),
            )
            or "No doors."
        )

    @admin.display(description="Codes per door")
    def codes(self, obj):
        if obj.pk is None:
            return "—"
        rows = [
            (
                link.device.name,
                link.access_code.name,
                link.access_code.get_status_display(),
                link.access_code.get_sync_state_display(),
                " (released: the booking no longer needs it)" if link.released_at else "",
            )
            for link in booking_code_links(booking=obj)
        ]
        return format_html_join("", "<p>{}: {} · {} · {}{}</p>", rows) or format_html(
            "<p>{}</p>", "None yet."
        )


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


@admin.register(Alert)
class AlertAdmin(TenantAdmin):
    list_display = ["kind", "message", "booking", "device", "opened_at", "resolved_at", "workspace"]
    list_filter = ["kind"]
    list_select_related = ["booking", "device", "workspace"]
    readonly_fields = ["workspace", "booking", "device", "kind", "message", "opened_at", "notified_at"]
    fields = [*readonly_fields, "resolved_at"]
    actions = ["resolve"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark selected alerts resolved", permissions=["change"])
    def resolve(self, request, queryset):
        allowed = [alert.pk for alert in queryset if self.has_change_permission(request, alert)]
        resolved = queryset.filter(pk__in=allowed, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        self.message_user(request, f"Resolved {resolved} alert(s).", messages.SUCCESS)


class CalendarFeedAdminForm(forms.ModelForm):
    class Meta:
        model = CalendarFeed
        fields = ["unit", "name", "url", "block_patterns", "poll_interval_minutes"]
        widgets = {"url": forms.TextInput(attrs={"size": 100, "autocomplete": "off"})}

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        if self.instance.pk and unit.workspace_id != self.instance.workspace_id:
            raise ValidationError("Pick a unit of the feed's own workspace.")
        return unit


class CalendarFeedEntryInline(TenantInline):
    model = CalendarFeedEntry
    fields = ["uid", "booking", "last_seen_at", "missed_fetches", "last_error"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "events seen (UID, booking, fetches in a row it has been missing from, error)"

    def has_view_permission(self, request, obj=None):
        return True  # whoever may see the feed (the parent page checked it); the rows are scoped

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("booking")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(TenantAdmin):
    """Feeds are unit settings (admins and owners); "import now" is day-to-day work (managers up)."""

    edit_roles = WORKSPACE_ADMIN_ROLES
    form = CalendarFeedAdminForm
    list_display = [
        "name", "unit", "health", "last_success_at", "last_error_at", "events_seen", "next_import_at",
        "workspace",
    ]  # fmt: skip
    list_select_related = ["unit", "workspace"]
    search_fields = ["name", "unit__name"]
    readonly_fields = [
        "health",
        "last_success_at",
        "last_error_at",
        "last_error",
        "events_seen",
        "next_import_at",
    ]
    inlines = [CalendarFeedEntryInline]
    actions = ["import_now"]

    def get_fields(self, request, obj=None):
        fields = ["unit", "name", "url", "block_patterns", "poll_interval_minutes", *self.readonly_fields]
        if obj is not None and not self.has_change_permission(request, obj):
            fields.remove("url")  # it carries the calendar's token: only who may change it sees it
        return fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new feed has seen nothing yet

    def save_model(self, request, obj, form, change):
        if not change:
            obj.workspace_id = obj.unit.workspace_id
        calendar_feed_save(feed=obj, changed_fields=form.changed_data)

    @admin.display(description="health")
    def health(self, feed):
        return feed_health(feed)

    @admin.action(description="Import selected feeds now", permissions=["import"])
    def import_now(self, request, queryset):
        permitted, refused = self.split_by_role(request, queryset, CODE_EDITOR_ROLES)
        for feed in permitted:
            calendar_feed_import_enqueue(feed=feed)
        if permitted:
            self.message_user(
                request,
                f"Import queued for {len(permitted)} feed(s); their health shows the outcome.",
                messages.SUCCESS,
            )
        if refused:
            names = ", ".join(str(feed) for feed in refused)
            self.message_user(request, f"Not imported: your role may only view {names}.", messages.ERROR)

    def has_import_permission(self, request):
        return workspaces_for_user(user=request.user, roles=CODE_EDITOR_ROLES).exists()


# How many of a source's deliveries its page lists (the whole inbox is the deliveries changelist).
RECENT_DELIVERIES = 20


class BookingSourceAddForm(forms.ModelForm):
    class Meta:
        model = BookingSource
        fields = ["workspace", "name"]

    def clean(self):
        cleaned = super().clean()
        workspace, name = cleaned.get("workspace"), cleaned.get("name")
        if workspace is None or not name:
            return cleaned
        try:
            key = booking_source_key(name)
        except ValidationError as error:
            self.add_error(None, error)
            return cleaned
        if BookingSource.objects.for_workspace(workspace).filter(key=key).exists():
            self.add_error("name", f"This workspace already has a booking source “{key}”: pick another name.")
        return cleaned


@admin.register(BookingSource)
class BookingSourceAdmin(TenantAdmin):
    """Workspace admins manage sources; the URL and the secret are shown once, on creation and rotation."""

    edit_roles = WORKSPACE_ADMIN_ROLES
    list_display = ["name", "key", "workspace", "created_at", "secret_overlap", "disabled_at", "deliveries"]
    list_select_related = ["workspace"]
    search_fields = ["name", "key"]
    readonly_fields = ["workspace", "key", "created_at", "previous_secret_expires_at", "recent_deliveries"]
    actions = ["rotate_secret", "new_url"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = BookingSourceAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["workspace", "name"]
        return ["workspace", "name", "key", "created_at", "disabled_at", "previous_secret_expires_at",
                "recent_deliveries"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        source, url, secret = booking_source_create(
            workspace=form.cleaned_data["workspace"], name=form.cleaned_data["name"]
        )
        obj.pk = source.pk
        request.booking_source_reveals = [(source, url, secret)]

    def response_add(self, request, obj, post_url_continue=None):
        return self._reveal(request, request.booking_source_reveals, "New booking source")

    @admin.action(
        description="Rotate the signing secret (the old one verifies 24 more hours)", permissions=["change"]
    )
    def rotate_secret(self, request, queryset):
        permitted = self._permitted(request, queryset)
        reveals = [(source, None, booking_source_secret_rotate(source=source)) for source in permitted]
        return self._reveal(request, reveals, "New signing secrets") if reveals else None

    @admin.action(description="Give a new URL (the old one stops at once)", permissions=["change"])
    def new_url(self, request, queryset):
        permitted = self._permitted(request, queryset)
        reveals = [(source, booking_source_url_rotate(source=source), None) for source in permitted]
        return self._reveal(request, reveals, "New hook URLs") if reveals else None

    def _permitted(self, request, queryset) -> list:
        permitted, refused = self.split_by_role(request, queryset, self.edit_roles)
        for source in refused:
            self.message_user(request, f"{source}: your role may not change it.", messages.ERROR)
        return permitted

    def _reveal(self, request, reveals, title):
        rows = [
            (source, request.build_absolute_uri(url) if url else None, secret)
            for source, url, secret in reveals
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "rows": rows,
            "back_url": reverse("admin:bookings_bookingsource_changelist"),
        }
        response = TemplateResponse(request, "admin/bookings/bookingsource/shown_once.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description="previous secret verifies until")
    def secret_overlap(self, obj):
        if obj.previous_secret_expires_at and obj.previous_secret_expires_at > timezone.now():
            return _local(obj.previous_secret_expires_at)
        return "—"

    @admin.display(description="inbox")
    def deliveries(self, obj):
        return format_html('<a href="{}">deliveries</a>', _deliveries_url(obj))

    @admin.display(description=f"latest {RECENT_DELIVERIES} deliveries")
    def recent_deliveries(self, obj):
        latest = BookingHookDelivery.objects.for_workspace(obj.workspace_id).filter(source=obj)[
            :RECENT_DELIVERIES
        ]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((_local(row.received_at), row.event_type, row.webhook_id, row.get_status_display(), row.outcome)
             for row in latest),
        )  # fmt: skip
        return format_html(
            "<table><tr><th>received</th><th>type</th><th>webhook id</th><th>status</th><th>outcome</th></tr>"
            '{}</table><p><a href="{}">All deliveries, with “process again”</a></p>',
            rows,
            _deliveries_url(obj),
        )


def _deliveries_url(source) -> str:
    return reverse("admin:bookings_bookinghookdelivery_changelist") + f"?source__id__exact={source.pk}"


@admin.register(BookingHookDelivery)
class BookingHookDeliveryAdmin(TenantAdmin):
    """The inbox, read-only: what each hook carried and what came of it. Managers process one again."""

    list_display = ["received_at", "source", "event_type", "webhook_id", "status", "outcome", "booking",
                    "attempts", "processed_at", "workspace"]  # fmt: skip
    list_filter = ["status", "event_type"]
    list_select_related = ["source", "booking", "workspace"]
    search_fields = ["webhook_id"]
    actions = ["process_again"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_process_permission(self, request):
        return workspaces_for_user(user=request.user, roles=CODE_EDITOR_ROLES).exists()

    @admin.action(description="Process again", permissions=["process"])
    def process_again(self, request, queryset):
        permitted, refused = self.split_by_role(request, queryset, CODE_EDITOR_ROLES)
        for delivery in permitted:
            hook_delivery_process_again(delivery=delivery)
        if permitted:
            self.message_user(request, f"Queued {len(permitted)} delivery(ies) again.", messages.SUCCESS)
        if refused:
            self.message_user(
                request, f"Not queued: your role may only view {len(refused)} of them.", messages.ERROR
            )
