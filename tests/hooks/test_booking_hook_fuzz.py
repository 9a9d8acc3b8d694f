"""Property-based fuzz (hypothesis) of the booking hook, `POST /hooks/bookings/<token>/`, through the real
receiver and the inbox's processing on PostgreSQL.

Fuzzed: correctly signed bodies that are mangled (random JSON values, missing, extra and mistyped fields,
huge strings, NUL characters, impossible and far dates, check-out before check-in, unknown units, bodies
that are not JSON or not UTF-8, every event type the receiver knows and unknown ones); valid random stays
(DST-change days in the property's IANA zone, random lengths, times with and without offsets, random
phones or none); random sequences of created / updated / cancelled hooks for a few bookings of one unit
whose guests' phones share their last four digits.

Invariants:
- the answer is never a 5xx: 202 (stored), or 400 in Seam's error envelope with nothing stored;
- nothing half-written: a refused delivery, or one that processing fails or ignores, leaves no booking,
  access code or timeline row behind, and processing never ends in its "unexpected error" branch;
- a valid stay makes exactly one booking with the delivered window (read in the property's zone), and
  delivering it again (same or new webhook id) changes no row: a plan applied twice changes nothing;
- whatever the sequence of hooks, no two active codes with the same PIN overlap in time on one door,
  every active code passes `full_clean()`, and only a confirmed booking holds active codes.

Each example runs in a savepoint rolled back at its end: the examples share the function-scoped fixtures
(workspace, source, units, doors) but never each other's rows.
"""

import datetime as dt
import json
import re
import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hook_signing import booking_data
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from tenant_snapshot import tenant_snapshot

from accesscodes.bookings.hook_payload import CANCELLED, CREATED, EVENT_TYPES, UPDATED
from accesscodes.bookings.models import Booking, BookingCode, BookingHookDelivery, Property, Unit, UnitDoor
from accesscodes.bookings.tasks import process_booking_hook
from accesscodes.models import AccessCode

pytestmark = pytest.mark.django_db
Status = BookingHookDelivery.Status
UTC = dt.UTC
FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
# Rows a delivery legitimately adds whatever its fate: itself, and the alert of a failed one.
INBOX_ROWS = {"bookings.BookingHookDelivery", "bookings.Alert"}
TODAY = dt.datetime.now(UTC).date()


# -- the world every example shares ------------------------------------------------------------------


@pytest.fixture
def world(workspace_a, hook_source, flat, make_device, send):
    """Workspace A's source, the Berlin unit L-1 (two online doors) and a New York unit NY-1 (one)."""
    source, url, secret = hook_source
    UnitDoor.objects.create(workspace=workspace_a, unit=flat, device=make_device(workspace_a, "august"))
    new_york = Property.objects.create(
        workspace=workspace_a, name="Hudson Lofts", timezone="America/New_York"
    )
    ny_unit = Unit.objects.create(workspace=workspace_a, property=new_york, name="Loft 1", external_id="NY-1")
    UnitDoor.objects.create(workspace=workspace_a, unit=ny_unit, device=make_device(workspace_a, "august"))
    return SimpleNamespace(
        workspace=workspace_a,
        source=source,
        url=url,
        secret=secret,
        units={"L-1": flat, "NY-1": ny_unit},
        send=send,
    )


@contextmanager
def rolled_back():
    """One hypothesis example: everything it writes is undone when it ends, failed or not."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def processed(world, response) -> BookingHookDelivery:
    """The accepted delivery, processed as its Django-Q2 task does (in-process)."""
    assert response.status_code == 202, response.content
    delivery_id = response.json()["id"]
    process_booking_hook(world.workspace.pk, delivery_id)
    return BookingHookDelivery.objects.for_workspace(world.workspace).get(pk=delivery_id)


def rows(world, *, without=frozenset()) -> dict:
    return {label: found for label, found in tenant_snapshot(world.workspace).items() if label not in without}


def active_codes(world):
    return AccessCode.objects.for_workspace(world.workspace).filter(removed_at__isnull=True).order_by("pk")


def assert_envelope(response) -> None:
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    error = body["error"]
    assert set(error) == {"type", "message", "validation_errors"}, error
    assert error["type"] == "invalid_input" and isinstance(error["message"], str) and error["message"]
    assert isinstance(error["validation_errors"], dict)
    for field, sentences in error["validation_errors"].items():
        assert isinstance(field, str) and sentences and all(isinstance(s, str) for s in sentences)
    if error["validation_errors"]:
        # The message names the first bad field, so a sender's log line alone says what to fix.
        assert any(error["message"].startswith(f"{field}: ") for field in error["validation_errors"])


# -- 1. mangled payloads -----------------------------------------------------------------------------

# Any text, NUL and lone surrogates included (JSON can escape both; neither may reach PostgreSQL).
any_text = st.text(st.characters(exclude_categories=[]), max_size=30)
# Just over the fields' limits (60, 200, 254), and far over (well under the 2.5 MB body limit).
huge_text = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["x", "7", "é", "\x00", "🔑"]),
    st.sampled_from([61, 201, 255, 4_000, 100_000]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
)
EDGE_DAYS = [dt.date(1, 1, 1), dt.date(1999, 12, 31), dt.date(2000, 1, 1), dt.date(2026, 3, 29),
             dt.date(2026, 10, 25), dt.date(2100, 12, 31), dt.date(2101, 1, 1), dt.date(9999, 12, 31)]  # fmt: skip
BAD_DATES = ["2026-02-30", "2026-13-01", "2026-07-01T25:00:00", "2026-07-01T15:00:00+24:00", "next Tuesday",
             "", "   ", "T", "20260701", "2026-W27-3", "+002026-07-01", "2026-07-01T15:00:00.1234567Z",
             "2026-07-01T15:00:00+05:30:00", "2026-07-01\x00", "0000-01-01"]  # fmt: skip
OFFSETS = ["", "Z", "+00:00", "-00:00", "+01:00", "+05:30", "-05:00", "-12:00", "+14:00", "+23:59", "-23:59"]


@st.composite
def date_texts(draw):
    """A check-in / check-out as a sender might mangle it: any day of years 1-9999, with or without a time
    and an offset, or text that is no date at all."""
    day = draw(st.sampled_from(EDGE_DAYS) | st.dates())
    form = draw(st.sampled_from(["date", "time", "junk"]))
    if form == "date":
        return day.isoformat()
    if form == "junk":
        return draw(st.sampled_from(BAD_DATES) | any_text)
    moment = draw(st.sampled_from([dt.time(0, 0), dt.time(0, 30), dt.time(23, 59, 59)]) | st.times())
    separator = draw(st.sampled_from(["T", " "]))
    return f"{day.isoformat()}{separator}{moment.isoformat()}{draw(st.sampled_from(OFFSETS))}"


def field_values(world):
    """What a mangled booking field may hold: its own kind of nonsense, or any JSON value."""
    unit_ids = st.sampled_from([unit.pk for unit in world.units.values()]) | st.integers(-(2**70), 2**70)
    return {
        "unit_id": unit_ids,
        "unit_external_id": st.sampled_from([*world.units, "L-404", ""]) | any_text,
        "external_id": st.sampled_from(["R-100", "R-101", " ", ""]) | any_text | huge_text,
        "guest_name": any_text | huge_text,
        "guest_email": st.sampled_from(["ada@example.com", "not-an-email", "a" * 250 + "@example.com"]),
        "guest_phone": st.from_regex(r"\+?[0-9\u0660-\u0669 ()-]{0,45}", fullmatch=True)
        | any_text
        | huge_text,
        "provided_pin": st.sampled_from(
            ["1234", "12345678901234", "12a4", "\u0661\u0662\u0663\u0664", " 2468 ", "0000"]
        ),
        "check_in": date_texts(),
        "check_out": date_texts(),
        "status": st.sampled_from([*Booking.Status.values, "CONFIRMED", "deleted"]),
        "source_updated_at": date_texts() | st.none(),
        "source": st.sampled_from(["my-pms", "other"]),
    }


# True about one time in six (hypothesis would otherwise often spoil every example the same way).
rarely = st.integers(0, 5).map(lambda n: n == 5)


@st.composite
def mangled_bodies(draw, world):
    """A correctly signed body: a booking hook with fields dropped, replaced, added or mistyped; a hook
    whose envelope is broken; or bytes that are not JSON (UTF-8) at all."""
    shape = ["booking", "booking", "booking", "envelope", "bytes"][draw(st.integers(0, 4))]
    if shape == "bytes":
        text = json.dumps({"type": CREATED, "data": booking_data()})
        return draw(
            st.binary(max_size=300)
            | st.just(text.encode("utf-16"))
            | st.just(text.replace("Ada", "Adà").encode("latin-1"))
            | st.builds(lambda cut: text.encode()[:cut], st.integers(0, len(text) - 1))
        )
    kinds = field_values(world)
    data = booking_data(external_id=draw(st.sampled_from(["R-100", "R-101"])))
    if draw(st.booleans()):  # by unit id rather than external id
        del data["unit_external_id"]
        data["unit_id"] = world.units["L-1"].pk
    if draw(st.booleans()):  # a stay ending before (or as) it starts
        data["check_in"], data["check_out"] = (
            data["check_out"],
            draw(st.sampled_from([data["check_in"], data["check_out"]])),
        )
    for name in draw(st.lists(st.sampled_from(sorted(kinds)), max_size=4, unique=True)):
        action = draw(st.sampled_from(["drop", "kind", "kind", "kind", "any"]))
        if action == "drop":
            data.pop(name, None)
        else:
            data[name] = draw(kinds[name] if action == "kind" else json_values)
    if draw(rarely):  # fields nobody asked for (refused: a typo must not pass silently)
        data.update(draw(st.dictionaries(any_text, json_values, min_size=1, max_size=2)))
    event_type = draw(st.sampled_from(EVENT_TYPES))
    if draw(rarely):  # an event type the receiver does not know
        event_type = draw(
            st.sampled_from(["booking.moved", "BOOKING.CREATED", "booking.created ", ""]) | json_values
        )
    payload = {"type": event_type, "timestamp": timezone.now().isoformat(), "data": data}
    if shape == "envelope":
        payload = draw(
            st.sampled_from([{"data": data}, {"type": event_type}, {"type": CREATED, "data": [data]}])
            | st.builds(lambda value: {"type": CREATED, "data": value}, json_values)
            | json_values
        )
    text = json.dumps(payload, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", errors="surrogatepass")  # a lone surrogate unescaped is not UTF-8


def assert_refused_or_failed_cleanly(world, body: bytes) -> BookingHookDelivery | None:
    """Send `body`, signed; process it if accepted. A refusal or a failed (or ignored) delivery must leave
    every row of the workspace as it was, the inbox's own rows aside. The delivery, when accepted."""
    before = rows(world)
    response = world.send(world.url, body, secret=world.secret)
    assert response.status_code in (202, 400), (response.status_code, response.content[:500])
    event(f"answer {response.status_code}")  # --hypothesis-show-statistics: how far examples got
    if response.status_code == 400:
        assert_envelope(response)
        assert rows(world) == before, "a refused delivery stores nothing"
        return None
    delivery = processed(world, response)
    assert delivery.status in (Status.PROCESSED, Status.FAILED, Status.IGNORED)
    event(f"delivery {delivery.status}")
    # The catch-all for exceptions nobody expected: a bug whatever the input (the API answers it 500).
    assert not delivery.outcome.startswith("Unexpected error"), delivery.body[:500]
    if delivery.status != Status.PROCESSED:
        assert rows(world, without=INBOX_ROWS) == {
            label: found for label, found in before.items() if label not in INBOX_ROWS
        }, f"{delivery.status} ({delivery.outcome}) left rows behind"
    return delivery


@settings(max_examples=150, **FUZZ)
@given(data=st.data())
def test_a_mangled_hook_is_refused_or_fails_cleanly_and_leaves_nothing_half_written(world, data):
    body = data.draw(mangled_bodies(world), label="body")
    with rolled_back():
        delivery = assert_refused_or_failed_cleanly(world, body)
        if delivery is None or delivery.status != Status.PROCESSED:
            return
        booking = Booking.objects.for_workspace(world.workspace).get()
        assert delivery.booking == booking and booking.check_out > booking.check_in
        assert_no_clash_and_every_code_valid(world)


@settings(max_examples=30, **FUZZ)
@given(
    day=st.sampled_from([dt.date(1, 1, 1), dt.date(1, 1, 2), dt.date(9999, 12, 30), dt.date(9999, 12, 31)]),
    moment=st.times(),
    offset=st.sampled_from(OFFSETS),
    field=st.sampled_from(["check_in", "check_out", "source_updated_at"]),
    unit_key=st.sampled_from(["L-1", "NY-1"]),
)
# A year-1 wall clock read in Europe/Berlin (LMT +00:53) or a year-9999 time west of UTC has no UTC
# instant: processing crashed on them until the shape check refused years outside 2000-2100; a
# source_updated_at in year 9999 would make every later update look stale.
@example(day=dt.date(1, 1, 1), moment=dt.time(0, 30), offset="", field="check_in", unit_key="L-1")
@example(day=dt.date(9999, 12, 31), moment=dt.time(23), offset="-05:00", field="check_out", unit_key="L-1")
def test_a_stay_at_the_edge_of_the_calendar_is_refused_at_the_door(
    world, day, moment, offset, field, unit_key
):
    text = f"{day.isoformat()}T{moment.isoformat()}{offset}"
    body = json.dumps(
        {"type": CREATED, "data": booking_data(unit_external_id=unit_key, **{field: text})}
    ).encode()
    with rolled_back():
        delivery = assert_refused_or_failed_cleanly(world, body)
        assert delivery is None, "years outside 2000-2100 are answered 400"


@settings(max_examples=15, **FUZZ)
@given(depth=st.integers(1, 3_000), container=st.sampled_from(["[", '{"a":']))
@example(depth=1_000, container="[")
def test_deeply_nested_json_is_answered_not_crashed(world, depth, container):
    # A few kilobytes of brackets: well under the body size limit, signed by a sender with the secret.
    closing = "]" if container == "[" else "}"
    nested = container * depth + ("" if container == "[" else "1") + closing * depth
    body = ('{"type": "booking.created", "data": {"guest_name": ' + nested + "}}").encode()
    with rolled_back():
        response = world.send(world.url, body, secret=world.secret)
        assert response.status_code == 400, response.content[:300]
        assert_envelope(response)
        assert not BookingHookDelivery.objects.for_workspace(world.workspace).exists()


# -- 2. valid stays, applied twice -------------------------------------------------------------------


def dst_change_days(zone_name: str, start: dt.date, days: int = 800) -> list[dt.date]:
    """The days the zone's clocks change, from `start` on."""
    zone = ZoneInfo(zone_name)

    def offset(day):
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).utcoffset()

    return [
        start + dt.timedelta(days=n)
        for n in range(days)
        if offset(start + dt.timedelta(days=n)) != offset(start + dt.timedelta(days=n + 1))
    ]


# The 2026 changes (past by now: those stays get no code, the booking still does) and the coming ones.
DST_DAYS = {
    "L-1": [dt.date(2026, 3, 29), dt.date(2026, 10, 25), *dst_change_days("Europe/Berlin", TODAY)],
    "NY-1": [dt.date(2026, 3, 8), dt.date(2026, 11, 1), *dst_change_days("America/New_York", TODAY)],
}


@st.composite
def stay_moments(draw, day: dt.date, zone: ZoneInfo, default_time: dt.time):
    """(text sent, the instant it means): a date alone is the property's time that day; a time without an
    offset is the property's wall clock (the first one when the clocks go back); with one, it is exact."""
    form = draw(st.sampled_from(["date", "wall", "offset"]))
    if form == "date":
        return day.isoformat(), dt.datetime.combine(day, default_time, tzinfo=zone).astimezone(UTC)
    moment = dt.time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 59])))
    if form == "wall":
        return f"{day}T{moment:%H:%M:%S}", dt.datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
    local = dt.datetime.combine(day, moment, tzinfo=zone)
    offset = draw(
        st.just(local.utcoffset()) | st.integers(-48, 56).map(lambda q: dt.timedelta(minutes=15 * q))
    )
    exact = dt.datetime.combine(day, moment, tzinfo=dt.timezone(offset))
    text = exact.isoformat().replace("+00:00", draw(st.sampled_from(["+00:00", "Z"])))
    return text, exact.astimezone(UTC)


phones = st.none() | st.just("") | st.from_regex(r"\+?[1-9][0-9]{0,2}( ?[0-9]{2,4}){1,4}", fullmatch=True)
guest_names = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=60)


@st.composite
def valid_stays(draw, world):
    unit_key = draw(st.sampled_from(sorted(world.units)))
    unit = world.units[unit_key]
    zone = ZoneInfo(unit.property.timezone)
    if draw(st.booleans()):  # arriving on a day the clocks change, or just before (staying across it)
        day = draw(st.sampled_from(DST_DAYS[unit_key])) + dt.timedelta(days=draw(st.integers(-3, 1)))
    else:
        day = TODAY + dt.timedelta(days=draw(st.integers(-30, 400)))
    nights = draw(st.integers(1, 30))
    check_in, check_in_at = draw(stay_moments(day, zone, unit.property.check_in_time))
    check_out, check_out_at = draw(
        stay_moments(day + dt.timedelta(days=nights), zone, unit.property.check_out_time)
    )
    assume(check_out_at > check_in_at)  # an offset far from the zone's can turn a one-night stay around
    data = {
        "unit_external_id": unit_key,
        "external_id": draw(st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)),
        "guest_name": draw(guest_names),
        "check_in": check_in,
        "check_out": check_out,
    }
    phone = draw(phones)
    if phone is not None:
        data["guest_phone"] = phone
    if draw(st.booleans()):
        data["source_updated_at"] = dt.datetime(2026, 12, 1, tzinfo=UTC).isoformat()
    return data, unit, check_in_at, check_out_at


@settings(max_examples=40, **FUZZ)
@given(data=st.data())
def test_a_valid_stay_makes_one_booking_with_its_window_and_delivering_it_again_changes_nothing(world, data):
    payload, unit, check_in_at, check_out_at = data.draw(valid_stays(world), label="stay")
    body = json.dumps({"type": CREATED, "timestamp": timezone.now().isoformat(), "data": payload}).encode()
    webhook_id = f"msg_{uuid.uuid4().hex}"
    with rolled_back():
        delivery = processed(world, world.send(world.url, body, secret=world.secret, webhook_id=webhook_id))
        assert (delivery.status, delivery.outcome) == (Status.PROCESSED, "Booking created."), delivery.outcome

        booking = Booking.objects.for_workspace(world.workspace).get()
        assert (booking.source, booking.external_id, booking.unit) == (
            world.source.key,
            payload["external_id"],
            unit,
        )
        assert (booking.check_in, booking.check_out) == (check_in_at, check_out_at)
        assert booking.guest_phone == payload.get("guest_phone", "").strip()
        links = BookingCode.objects.for_workspace(world.workspace).filter(booking=booking, released_at=None)
        codes = [link.access_code for link in links.select_related("access_code")]
        # The policy has no early or late access: each code holds exactly the stay.
        assert all((code.starts_at, code.ends_at) == (check_in_at, check_out_at) for code in codes)
        if check_in_at > timezone.now() + dt.timedelta(hours=1):
            doors = UnitDoor.objects.for_workspace(world.workspace).filter(unit=unit).count()
            assert len(codes) == doors and {code.code for code in codes} == {booking.pin}
            digits = re.sub(r"[^0-9]", "", payload.get("guest_phone", ""))
            if len(digits) >= 4:  # alone on the lock: nothing stops the phone's last digits
                assert booking.pin == digits[-4:]

        before = rows(world, without={"bookings.BookingHookDelivery"})
        again = world.send(world.url, body, secret=world.secret, webhook_id=webhook_id)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
        delivery = processed(world, world.send(world.url, body, secret=world.secret))
        assert (delivery.status, delivery.outcome) == (Status.PROCESSED, "Booking unchanged.")
        assert rows(world, without={"bookings.BookingHookDelivery"}) == before


# -- 3. sequences of hooks on one unit ---------------------------------------------------------------

# Four guests whose phones all end in 2468: the PIN each would get first is the same.
PHONES = ["+49 30 555 2468", "+1 212 555 2468", "0044 20 7946 2468", "2468"]
BERLIN_NEXT_CHANGE = next(day for day in DST_DAYS["L-1"] if day > TODAY + dt.timedelta(days=10))


@st.composite
def hook_sequences(draw):
    """Hooks for up to four bookings of unit L-1, their stays close enough to overlap, some of them
    across the coming DST change; `source_updated_at` sometimes goes back in time (a stale update)."""
    base = draw(st.sampled_from([TODAY + dt.timedelta(days=3), BERLIN_NEXT_CHANGE - dt.timedelta(days=4)]))
    step = st.fixed_dictionaries(
        {
            "type": st.sampled_from([CREATED, CREATED, UPDATED, UPDATED, CANCELLED]),
            "guest": st.integers(0, len(PHONES) - 1),
            "day": st.integers(0, 8),
            "nights": st.integers(1, 5),
            "check_in_time": st.none() | st.sampled_from(["T09:00:00", "T15:00:00", "T23:30:00"]),
            "updated_minute": st.none() | st.integers(0, 5),
            "full_cancellation": st.booleans(),
        }
    )
    return base, draw(st.lists(step, min_size=3, max_size=8))


def hook_of(base: dt.date, step: dict) -> bytes:
    check_in = base + dt.timedelta(days=step["day"])
    data = {
        "unit_external_id": "L-1",
        "external_id": f"S-{step['guest']}",
        "guest_name": f"Guest {step['guest']}",
        "guest_phone": PHONES[step["guest"]],
        "check_in": check_in.isoformat() + (step["check_in_time"] or ""),
        "check_out": (check_in + dt.timedelta(days=step["nights"])).isoformat(),
    }
    if step["updated_minute"] is not None:
        moment = dt.datetime(2026, 12, 1, 12, step["updated_minute"], tzinfo=UTC)
        data["source_updated_at"] = moment.isoformat()
    if step["type"] == CANCELLED and not step["full_cancellation"]:
        data = {key: data[key] for key in ("external_id", "source_updated_at") if key in data}
    return json.dumps({"type": step["type"], "timestamp": timezone.now().isoformat(), "data": data}).encode()


# Seam may load a natively scheduled code on the lock up to 72 h before it starts: the product's rules
# keep two codes with one PIN 72 h apart, not merely apart.
PRELOAD = dt.timedelta(hours=72)


def describe(*codes: AccessCode) -> str:
    return "; ".join(
        f"{code.name} on device {code.device_id}, {code.starts_at} - {code.ends_at}" for code in codes
    )


def assert_no_clash_and_every_code_valid(world) -> None:
    codes = list(active_codes(world))
    for code in codes:
        code.full_clean()
    for index, first in enumerate(codes):
        for second in codes[index + 1 :]:
            if first.device_id != second.device_id or not first.code or first.code != second.code:
                continue
            event("same PIN twice on one door, at different times")
            # The guest-visible clash: both PINs open the door at the same moment.
            overlap = first.starts_at < second.ends_at and second.starts_at < first.ends_at
            assert not overlap, f"PIN {first.code} twice on one door at once: {describe(first, second)}"
            # Closer than the preload, the lock could hold both at once and refuse the second.
            preloaded = (
                first.starts_at - PRELOAD < second.ends_at and second.starts_at - PRELOAD < first.ends_at
            )
            assert not preloaded, f"PIN {first.code} twice within the 72 h preload: {describe(first, second)}"
    # Every active code is held by exactly one confirmed booking (a cancelled one keeps none).
    holders = BookingCode.objects.for_workspace(world.workspace).filter(
        access_code__in=codes, released_at=None
    )
    held = dict(holders.values_list("access_code_id", "booking__status"))
    assert len(held) == holders.count() == len(codes)
    assert set(held.values()) <= {Booking.Status.CONFIRMED}


@settings(max_examples=25, **FUZZ)
@given(sequence=hook_sequences())
def test_any_sequence_of_hooks_leaves_no_pin_twice_on_a_door_at_once(world, sequence):
    base, steps = sequence
    with rolled_back():
        for step in steps:
            delivery = processed(world, world.send(world.url, hook_of(base, step), secret=world.secret))
            assert delivery.status in (Status.PROCESSED, Status.IGNORED), delivery.outcome
            assert_no_clash_and_every_code_valid(world)
        codes = list(active_codes(world))
        # Coverage: stays close enough on a door that the phones' common PIN could not serve both.
        close = any(
            a.device_id == b.device_id
            and a.starts_at - PRELOAD < b.ends_at
            and b.starts_at - PRELOAD < a.ends_at
            for index, a in enumerate(codes)
            for b in codes[index + 1 :]
        )
        event(f"two stays within 72 h on a door at the end: {close}")
