"""Processing the inbox: each delivery applied once through booking_upsert / booking_cancel, in the order of
`source_updated_at`; what cannot be applied is accepted, marked failed with its reason and alerted, and can
be processed again. The tasks run here in-process; tests/hooks/test_hooks_end_to_end.py uses a worker."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from hook_signing import booking_data, hook_body

from accesscodes.bookings.inbox import (
    hook_delivery_process,
    hook_delivery_process_again,
    hook_inbox_purge,
)
from accesscodes.bookings.models import (
    Alert,
    Booking,
    BookingCode,
    BookingEvent,
    BookingHookDelivery,
    Property,
    Unit,
)

pytestmark = pytest.mark.django_db
Status = BookingHookDelivery.Status


def process_all(workspace) -> list[str]:
    received = BookingHookDelivery.objects.for_workspace(workspace).filter(status=Status.RECEIVED)
    return [
        hook_delivery_process(workspace_id=workspace.pk, delivery_id=pk)
        for pk in received.order_by("pk").values_list("pk", flat=True)
    ]


def at(minutes: int) -> str:
    return (dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)).isoformat()


def test_a_created_hook_makes_the_booking_and_its_codes_under_the_source_key(
    send, hook_source, flat, workspace_a
):
    _, url, secret = hook_source
    assert send(url, hook_body(**booking_data()), secret=secret).status_code == 202
    assert process_all(workspace_a) == [Status.PROCESSED]
    delivery = BookingHookDelivery.objects.for_workspace(workspace_a).get()
    booking = Booking.objects.for_workspace(workspace_a).get()
    assert (booking.source, booking.external_id, booking.unit) == ("my-pms", "R-100", flat)
    assert (delivery.booking, delivery.outcome, delivery.attempts) == (booking, "Booking created.", 1)
    assert delivery.processed_at is not None
    link = BookingCode.objects.for_workspace(workspace_a).select_related("access_code").get(booking=booking)
    assert link.access_code.code == "2468"
    # Processing again without "process again" does nothing: the task may run twice.
    assert hook_delivery_process(workspace_id=workspace_a.pk, delivery_id=delivery.pk) == Status.PROCESSED
    assert BookingEvent.objects.for_workspace(workspace_a).filter(kind="received").count() == 1


def test_the_same_webhook_id_twice_is_stored_and_applied_once(send, hook_source, flat, workspace_a):
    _, url, secret = hook_source
    body = hook_body(**booking_data())
    first = send(url, body, secret=secret, webhook_id="msg_same")
    again = send(url, body, secret=secret, webhook_id="msg_same")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"webhook_id": "msg_same", "status": "duplicate"}
    assert BookingHookDelivery.objects.for_workspace(workspace_a).count() == 1
    assert OrmQ.objects.count() == 1  # one task queued, with the delivery
    process_all(workspace_a)
    assert BookingEvent.objects.for_workspace(workspace_a).filter(kind="received").count() == 1


def test_updates_out_of_order_end_in_the_newest_one(send, hook_source, flat, workspace_a):
    _, url, secret = hook_source
    check_in = (timezone.now() + dt.timedelta(days=20)).date()
    newer = booking_data(guest_name="Newest", check_in=check_in.isoformat(), source_updated_at=at(10),
                         check_out=(check_in + dt.timedelta(days=3)).isoformat())  # fmt: skip
    older = booking_data(guest_name="Older", source_updated_at=at(5))
    assert send(url, hook_body("booking.updated", **newer), secret=secret).status_code == 202
    assert send(url, hook_body("booking.updated", **older), secret=secret).status_code == 202
    assert process_all(workspace_a) == [Status.PROCESSED, Status.IGNORED]
    booking = Booking.objects.for_workspace(workspace_a).get()
    assert booking.guest_name == "Newest"
    assert booking.check_out.date() == check_in + dt.timedelta(days=3)
    ignored = BookingHookDelivery.objects.for_workspace(workspace_a).get(status=Status.IGNORED)
    assert "Older than the booking's last update" in ignored.outcome and ignored.booking == booking
    assert BookingEvent.objects.for_workspace(workspace_a).filter(kind="stale_update_ignored").count() == 1


def test_a_cancellation_before_its_creation_keeps_the_booking_cancelled(send, hook_source, flat, workspace_a):
    _, url, secret = hook_source
    cancelled = hook_body("booking.cancelled", **booking_data(source_updated_at=at(10)))
    created = hook_body("booking.created", **booking_data(source_updated_at=at(1)))
    send(url, cancelled, secret=secret)
    send(url, created, secret=secret)
    assert process_all(workspace_a) == [Status.PROCESSED, Status.IGNORED]
    booking = Booking.objects.for_workspace(workspace_a).get()
    assert booking.status == Booking.Status.CANCELLED
    assert not BookingCode.objects.for_workspace(workspace_a).filter(booking=booking).exists()


def test_a_cancellation_whose_booking_still_waits_in_the_inbox_applies_the_booking_first(
    send, hook_source, flat, workspace_a
):
    """The creation's task is late (a worker died running it) and the cancellation's task runs first: the
    creation is applied before it, so the guest is left with no code instead of a cancelled stay's code."""
    _, url, secret = hook_source
    send(url, hook_body(**booking_data()), secret=secret)
    send(url, hook_body("booking.cancelled", external_id="R-100"), secret=secret)
    send(url, hook_body(**booking_data(external_id="R-OTHER")), secret=secret)
    created, cancelled, other = BookingHookDelivery.objects.for_workspace(workspace_a).order_by("pk")

    assert hook_delivery_process(workspace_id=workspace_a.pk, delivery_id=cancelled.pk) == Status.PROCESSED

    booking = Booking.objects.for_workspace(workspace_a).get(external_id="R-100")
    assert booking.status == Booking.Status.CANCELLED
    assert not BookingCode.objects.for_workspace(workspace_a).filter(
        booking=booking, released_at__isnull=True
    )
    outcomes = dict(BookingHookDelivery.objects.for_workspace(workspace_a).values_list("pk", "outcome"))
    assert (outcomes[created.pk], outcomes[cancelled.pk]) == ("Booking created.", "Booking cancelled.")
    # Another booking's delivery waits for its own task; the late task of the creation changes nothing.
    assert BookingHookDelivery.objects.for_workspace(workspace_a).get(pk=other.pk).status == Status.RECEIVED
    assert hook_delivery_process(workspace_id=workspace_a.pk, delivery_id=created.pk) == Status.PROCESSED
    assert Booking.objects.for_workspace(workspace_a).get(pk=booking.pk).status == Booking.Status.CANCELLED


def test_a_cancellation_removes_the_codes_and_one_for_an_unknown_booking_is_ignored(
    send, hook_source, flat, workspace_a
):
    _, url, secret = hook_source
    send(url, hook_body(**booking_data()), secret=secret)
    send(url, hook_body("booking.cancelled", external_id="R-100"), secret=secret)
    send(url, hook_body("booking.cancelled", external_id="NOPE"), secret=secret)
    assert process_all(workspace_a) == [Status.PROCESSED, Status.PROCESSED, Status.IGNORED]
    booking = Booking.objects.for_workspace(workspace_a).get()
    assert booking.status == Booking.Status.CANCELLED
    outcomes = (
        BookingHookDelivery.objects.for_workspace(workspace_a)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert list(outcomes)[1:] == ["Booking cancelled.", "No booking NOPE from this source to cancel."]


def test_an_unknown_unit_is_accepted_then_fails_with_an_alert_and_can_be_processed_again(
    send, hook_source, flat, workspace_a
):
    _, url, secret = hook_source
    response = send(url, hook_body(**booking_data(unit_external_id="L-404")), secret=secret)
    assert response.status_code == 202
    assert process_all(workspace_a) == [Status.FAILED]
    delivery = BookingHookDelivery.objects.for_workspace(workspace_a).get()
    assert delivery.outcome == "unit_external_id: No such unit in this workspace."
    alert = Alert.objects.for_workspace(workspace_a).get(
        kind=Alert.Kind.HOOK_FAILED, resolved_at__isnull=True
    )
    assert delivery.webhook_id in alert.message and "No such unit" in alert.message
    assert not Booking.objects.for_workspace(workspace_a).exists()

    Unit.objects.create(workspace=workspace_a, property=flat.property, name="Flat 404", external_id="L-404")
    hook_delivery_process_again(delivery=delivery)
    assert process_all(workspace_a) == [Status.PROCESSED]
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.booking.unit.external_id) == (2, "L-404")
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_a_rule_refusal_from_booking_upsert_fails_the_delivery_and_writes_nothing(
    send, hook_source, flat, workspace_a
):
    _, url, secret = hook_source
    check_in = timezone.now().date() + dt.timedelta(days=12)
    data = booking_data(
        check_in=check_in.isoformat(), check_out=(check_in - dt.timedelta(days=2)).isoformat()
    )
    assert send(url, hook_body(**data), secret=secret).status_code == 202
    assert process_all(workspace_a) == [Status.FAILED]
    delivery = BookingHookDelivery.objects.for_workspace(workspace_a).get()
    assert "Check-out must be after check-in" in delivery.outcome
    assert not Booking.objects.for_workspace(workspace_a).exists()
    assert Alert.objects.for_workspace(workspace_a).filter(kind=Alert.Kind.HOOK_FAILED).count() == 1


def test_a_delivery_that_cannot_be_read_fails_instead_of_raising(hook_source, workspace_a):
    source, _, _ = hook_source
    delivery = BookingHookDelivery.objects.create(
        workspace=workspace_a,
        source=source,
        webhook_id="msg_broken",
        body="not json",
        event_type="booking.created",
    )
    assert hook_delivery_process(workspace_id=workspace_a.pk, delivery_id=delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert "not JSON" in delivery.outcome


def test_a_source_of_workspace_a_never_touches_workspace_b(send, hook_source, flat, workspace_a, workspace_b):
    _, url, secret = hook_source
    property_b = Property.objects.create(workspace=workspace_b, name="Bravo", timezone="UTC")
    unit_b = Unit.objects.create(workspace=workspace_b, property=property_b, name="B", external_id="B-1")
    assert send(url, hook_body(**booking_data(unit_external_id="B-1")), secret=secret).status_code == 202
    by_id = booking_data(unit_id=unit_b.pk, external_id="R-2")
    del by_id["unit_external_id"]
    assert send(url, hook_body(**by_id), secret=secret).status_code == 202
    assert process_all(workspace_a) == [Status.FAILED, Status.FAILED]
    outcomes = set(BookingHookDelivery.objects.for_workspace(workspace_a).values_list("outcome", flat=True))
    assert outcomes == {
        "unit_external_id: No such unit in this workspace.",
        "unit_id: No such unit in this workspace.",
    }
    assert not Booking.objects.for_workspace(workspace_b).exists()
    assert not BookingHookDelivery.objects.for_workspace(workspace_b).exists()
    assert not Alert.objects.for_workspace(workspace_b).exists()


def test_the_inbox_keeps_deliveries_30_days(hook_source, workspace_a):
    source, _, _ = hook_source
    now = timezone.now()
    for days in (29, 31):
        BookingHookDelivery.objects.create(
            workspace=workspace_a, source=source, webhook_id=f"msg_{days}", body="{}", event_type="booking.created",
            received_at=now - dt.timedelta(days=days),
        )  # fmt: skip
    assert hook_inbox_purge(now=now) == 1
    assert list(
        BookingHookDelivery.objects.for_workspace(workspace_a).values_list("webhook_id", flat=True)
    ) == ["msg_29"]


def test_the_hourly_upkeep_purges_and_queues_again_a_delivery_whose_task_was_lost(hook_source, workspace_a):
    from django_q.models import Schedule

    from accesscodes.bookings.schedules import BOOKING_HOOK_INBOX_SCHEDULE
    from accesscodes.bookings.tasks import booking_hook_inbox_upkeep

    assert Schedule.objects.filter(name=BOOKING_HOOK_INBOX_SCHEDULE).exists()  # ensured by every migrate
    source, _, _ = hook_source
    lost = BookingHookDelivery.objects.create(
        workspace=workspace_a, source=source, webhook_id="msg_lost", body="{}", event_type="booking.created",
        received_at=timezone.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    BookingHookDelivery.objects.create(
        workspace=workspace_a, source=source, webhook_id="msg_new", body="{}", event_type="booking.created"
    )
    assert booking_hook_inbox_upkeep() == {"purged": 0, "requeued": 1}
    assert [task.args() for task in OrmQ.objects.all()] == [(workspace_a.pk, lost.pk)]
