"""The bookings pages: the list, a booking's page, the create / edit form with its live preview, and the
actions (move dates, change unit, cancel, rotate the PIN) that each show what they will do before they are confirmed.
Writes go only through `booking_upsert` / `booking_cancel` / `booking_pin_rotate`."""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accesscodes.bookings.forms import (
    BookingFilterForm,
    BookingForm,
    ChangeUnitForm,
    MoveDatesForm,
    RotatePinForm,
    StayDatesMixin,
)
from accesscodes.bookings.models import Booking
from accesscodes.bookings.plan_diff import Action, plan_diff
from accesscodes.bookings.selectors import (
    alerts_for_booking,
    booking_code_links,
    booking_codes_active,
    booking_events,
    booking_get,
    booking_rows,
    bookings_filtered,
    existing_codes,
    property_zone,
)
from accesscodes.bookings.services import (
    booking_cancel,
    booking_pin_rotate,
    booking_pin_rotation_preview,
    booking_preview,
    booking_upsert,
    new_rotation_seed,
)
from accesscodes.selectors import access_code_rows
from portal.models import CODE_EDITOR_ROLES
from portal.tenant_views import WorkspaceView

BOOKINGS_PER_PAGE = 50
PORTAL_SOURCE = "portal"
STEP_WORDS = {
    Action.CREATE: "new code",
    Action.UPDATE: "change",
    Action.DELETE: "remove",
    Action.KEEP: "keep",
    Action.LEAVE_OFFLINE: "stays valid (offline)",
}


def new_external_id() -> str:
    """A manual booking's id: its day and a random suffix, short enough to read out on the phone."""
    return f"{timezone.now():%Y%m%d}-{secrets.token_hex(3).upper()}"


def booking_values(booking: Booking) -> dict:
    """The booking as `booking_upsert` takes it, to change some fields and keep the others."""
    return {
        "unit": booking.unit,
        "check_in": booking.check_in,
        "check_out": booking.check_out,
        "guest_name": booking.guest_name,
        "guest_email": booking.guest_email,
        "guest_phone": booking.guest_phone,
        "provided_pin": booking.provided_pin,
        "status": booking.status,
    }


def changed_values(form) -> dict:
    """The form's fields as `booking_upsert` arguments (the dates combined on the property's clock)."""
    names = {
        "unit",
        "check_in",
        "check_out",
        "guest_name",
        "guest_email",
        "guest_phone",
        "provided_pin",
        "status",
    }
    return {name: value for name, value in form.cleaned_data.items() if name in names}


def make_form(form_class, workspace, data=None, **kwargs):
    if "unit" in form_class.base_fields:
        kwargs["workspace"] = workspace
    return form_class(data, **kwargs)


def add_service_errors(form, error: ValidationError) -> None:
    """The service's refusal on the form: on its field where the form has one, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def step_rows(steps, door_names: dict, *, include_kept: bool = False) -> list[dict]:
    return [
        {
            "action": step.action.value,
            "words": STEP_WORDS[step.action],
            "door": step.planned.door_name
            if step.planned
            else door_names.get(step.existing.door_key, "a door"),
            "reason": step.reason,
            "new_pin": step.planned.code if step.planned and step.action is not Action.KEEP else None,
        }
        for step in steps
        if include_kept or step.action is not Action.KEEP
    ]


class BookingsView(WorkspaceView):
    def booking_or_404(self, pk) -> Booking:
        try:
            return booking_get(workspace=self.workspace, pk=pk)
        except Booking.DoesNotExist as exc:
            raise Http404("No such booking") from exc


class BookingListView(BookingsView):
    def get(self, request):
        filters = BookingFilterForm(request.GET, workspace=self.workspace)
        now = timezone.now()
        if filters.is_valid():
            bookings = bookings_filtered(
                workspace=self.workspace,
                now=now,
                **filters.selector_arguments(timezone.get_current_timezone()),
            )
        else:
            bookings = Booking.objects.for_workspace(self.workspace).none()
        page = Paginator(bookings, BOOKINGS_PER_PAGE).get_page(request.GET.get("page"))
        return self.render_page(
            "bookings/booking_list.html",
            status=200 if filters.is_valid() else 400,
            filters=filters,
            filtered=filters.is_valid() and any(filters.cleaned_data.values()),
            page=page,
            rows=booking_rows(workspace=self.workspace, bookings=page.object_list, now=now),
        )


class BookingDetailView(BookingsView):
    def get(self, request, pk):
        booking = self.booking_or_404(pk)
        now = timezone.now()
        links = booking_code_links(booking=booking)
        code_rows = {
            row["code"].pk: row for row in access_code_rows(access_codes=[link.access_code for link in links])
        }
        the_plan = None
        if booking.status == Booking.Status.CONFIRMED:
            the_plan, _ = booking_preview(
                workspace=self.workspace, **_preview_arguments(booking_values(booking), booking), now=now
            )
        row = booking_rows(workspace=self.workspace, bookings=[booking], now=now)[0]
        return self.render_page(
            "bookings/booking_detail.html",
            booking=booking,
            row=row,
            property_zone=booking.unit.property.timezone,
            links=[(link, code_rows[link.access_code_id]) for link in links],
            plan=the_plan,
            events=booking_events(booking=booking),
            alerts=alerts_for_booking(booking=booking),
        )


def _preview_arguments(values: dict, booking: Booking | None) -> dict:
    arguments = {
        "unit": values["unit"],
        "check_in": values["check_in"],
        "check_out": values["check_out"],
        "guest_name": values.get("guest_name", ""),
        "guest_phone": values.get("guest_phone", ""),
        "provided_pin": values.get("provided_pin", ""),
    }
    if booking is not None:
        arguments.update(source=booking.source, external_id=booking.external_id)
    return arguments


class BookingFormView(BookingsView):
    """A form that writes a booking, with the preview of what it will do beside it. The preview follows
    the form as it is typed (htmx posts it to `preview_url_name`); without scripts, "Preview" shows it."""

    read_roles = CODE_EDITOR_ROLES
    form_class = BookingForm
    template_name = "bookings/booking_form.html"
    title = ""
    confirm_label = "Save"

    def get_form(self, booking, data=None):
        initial = {}
        if booking is not None:
            zone = property_zone(booking.unit.property)
            initial = {**booking_values(booking), **StayDatesMixin.initial_stay(booking, zone)}
        return make_form(self.form_class, self.workspace, data, initial=initial)

    def booking(self, pk):
        return self.booking_or_404(pk) if pk is not None else None

    def get(self, request, pk=None):
        booking = self.booking(pk)
        form = self.get_form(booking)
        if booking is None and request.GET.get("unit", "").isdigit():
            form.initial["unit"] = int(request.GET["unit"])  # "new booking here" from a unit's page
        # An existing booking's page opens with what it does now; the preview follows the changes typed.
        preview = preview_context(self.workspace, booking_values(booking), booking) if booking else None
        return self.form_page(booking, form, preview=preview)

    def post(self, request, pk=None):
        booking = self.booking(pk)
        form = self.get_form(booking, data=request.POST)
        if not form.is_valid():
            return self.form_page(booking, form, preview=None, status=400)
        values = {**(booking_values(booking) if booking else {}), **changed_values(form)}
        if "confirm" not in request.POST:
            return self.form_page(booking, form, preview=preview_context(self.workspace, values, booking))
        try:
            outcome = booking_upsert(
                workspace=self.workspace,
                source=booking.source if booking else PORTAL_SOURCE,
                external_id=booking.external_id if booking else new_external_id(),
                **values,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_page(booking, form, preview=None, status=400)
        messages.success(request, self.done_message(outcome))
        return redirect("booking_detail", self.workspace.slug, outcome.booking.pk)

    def done_message(self, outcome) -> str:
        if outcome.result == "unchanged":
            return "Nothing changed."
        return (
            f"Booking {outcome.booking.external_id} {outcome.result}; its codes are being sent to the locks."
        )

    def form_page(self, booking, form, preview, status=200):
        return self.render_page(
            self.template_name,
            status=status,
            booking=booking,
            form=form,
            title=self.title,
            confirm_label=self.confirm_label,
            preview=preview,
            preview_url=self.preview_url(booking),
        )

    def preview_url(self, booking) -> str:
        if booking is None:
            return reverse("booking_preview", args=[self.workspace.slug])
        return reverse(f"{self.url_name}_preview", args=[self.workspace.slug, booking.pk])


class BookingCreateView(BookingFormView):
    title = "New booking"
    confirm_label = "Create booking"


class BookingEditView(BookingFormView):
    title = "Edit booking"
    confirm_label = "Save booking"
    url_name = "booking_edit"


class BookingMoveView(BookingFormView):
    form_class = MoveDatesForm
    title = "Move dates"
    confirm_label = "Move the stay"
    url_name = "booking_move"


class BookingChangeUnitView(BookingFormView):
    form_class = ChangeUnitForm
    title = "Change unit"
    confirm_label = "Change the unit"
    url_name = "booking_change_unit"


def preview_context(workspace, values: dict, booking: Booking | None) -> dict:
    """What the booking would do with these values: the plan per door and the steps from its codes now."""
    arguments = _preview_arguments(values, booking)
    try:
        the_plan, steps = booking_preview(workspace=workspace, **arguments)
    except ValidationError as error:
        return {"error": " ".join(error.messages)}
    if values.get("status", Booking.Status.CONFIRMED) != Booking.Status.CONFIRMED:
        # Only confirmed bookings hold codes: what it would do is take every code off.
        steps, the_plan = cancel_steps(workspace, booking) if booking else (), None
    door_names = (
        {link.device_id: link.device.name for link in booking_code_links(booking=booking)} if booking else {}
    )
    return {
        "plan": the_plan,
        "steps": step_rows(steps, door_names),
        "unchanged": sum(step.action is Action.KEEP for step in steps),
        "zone": arguments["unit"].property.timezone,
    }


def cancel_steps(workspace, booking: Booking):
    return plan_diff(
        plan=None, existing=existing_codes(booking_codes_active(workspace=workspace, booking=booking))
    )


class BookingPreviewView(BookingsView):
    """The live preview: the form posted as it is typed, the planned codes per door answered (a partial)."""

    http_method_names = ["post"]
    form_class = BookingForm

    def post(self, request, pk=None):
        booking = self.booking_or_404(pk) if pk is not None else None
        form = make_form(self.form_class, self.workspace, request.POST)
        if not form.is_valid():
            return self.render_page("bookings/_preview.html", form=form, preview=None)
        values = {**(booking_values(booking) if booking else {}), **changed_values(form)}
        return self.render_page(
            "bookings/_preview.html", form=form, preview=preview_context(self.workspace, values, booking)
        )


class BookingMovePreviewView(BookingPreviewView):
    form_class = MoveDatesForm


class BookingChangeUnitPreviewView(BookingPreviewView):
    form_class = ChangeUnitForm


class BookingCancelView(BookingsView):
    """Cancelling shows which codes come off the locks (and which offline ones stay valid) first."""

    read_roles = CODE_EDITOR_ROLES

    def get(self, request, pk):
        booking = self.booking_or_404(pk)
        door_names = {link.device_id: link.device.name for link in booking_code_links(booking=booking)}
        return self.render_page(
            "bookings/booking_cancel.html",
            booking=booking,
            steps=step_rows(cancel_steps(self.workspace, booking), door_names),
        )

    def post(self, request, pk):
        booking = self.booking_or_404(pk)
        outcome = booking_cancel(booking=booking)
        if outcome.result == "unchanged":
            messages.info(request, "The booking was already cancelled.")
        else:
            messages.success(request, "Booking cancelled: its codes are being removed from the locks.")
        return redirect("booking_detail", self.workspace.slug, booking.pk)


class BookingRotatePinView(BookingsView):
    """Rotating the PIN shows first which doors get which new PIN, which codes are replaced and which
    offline codes keep their PIN; the confirmation applies the PINs that were shown."""

    read_roles = CODE_EDITOR_ROLES

    def get(self, request, pk):
        booking = self.booking_or_404(pk)
        form = RotatePinForm(initial={"rotation_seed": new_rotation_seed()})
        return self.rotation_page(booking, form, form.initial["rotation_seed"])

    def post(self, request, pk):
        booking = self.booking_or_404(pk)
        form = RotatePinForm(request.POST)
        if not form.is_valid():
            return self.rotation_page(booking, form, rotation_seed=None, status=400)
        try:
            outcome = booking_pin_rotate(booking=booking, rotation_seed=form.cleaned_data["rotation_seed"])
        except ValidationError as error:
            add_service_errors(form, error)
            return self.rotation_page(booking, form, rotation_seed=None, status=400)
        pin = f" The new PIN is {outcome.booking.pin}." if outcome.booking.pin else ""
        messages.success(request, f"PIN rotated: the new codes are being sent to the locks.{pin}")
        return redirect("booking_detail", self.workspace.slug, booking.pk)

    def rotation_page(self, booking, form, rotation_seed, status=200):
        steps, error = [], None
        if rotation_seed is not None:
            try:
                _, found = booking_pin_rotation_preview(booking=booking, rotation_seed=rotation_seed)
            except ValidationError as refusal:
                error = " ".join(refusal.messages)
            else:
                door_names = {
                    link.device_id: link.device.name for link in booking_code_links(booking=booking)
                }
                steps = step_rows(found, door_names, include_kept=True)
        return self.render_page(
            "bookings/booking_rotate_pin.html",
            status=status,
            booking=booking,
            form=form,
            steps=steps,
            error=error,
            changes_anything=any(step["action"] != Action.KEEP for step in steps),
        )
