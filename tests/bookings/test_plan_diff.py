"""From a booking's existing codes to its plan: create, update, delete, keep, or leave offline codes."""

from datetime import UTC, datetime, timedelta

import pytest

from accesscodes.bookings.plan_diff import Action, ExistingCode, plan_diff
from accesscodes.bookings.planner import BookingFacts, CodePolicy, DoorFacts, plan
from accesscodes.providers import DeviceFacts

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
CHECK_IN = datetime(2026, 2, 1, 23, tzinfo=UTC)
ONLINE = DeviceFacts("august", True, False, supported_code_lengths=(4, 5, 6))
OFFLINE = DeviceFacts("igloohome", False, True)


def doors(*keys):
    return tuple(DoorFacts(key, key, OFFLINE if key.startswith("offline") else ONLINE) for key in keys)


def booking_plan(check_in=CHECK_IN, nights=2, door_keys=("front",), pins=None):
    facts = BookingFacts(
        "ref",
        "Ada",
        check_in,
        check_in + timedelta(days=nights),
        guest_phone="555 2468",
        pins_on_locks=pins or {},
    )
    return plan(booking=facts, policy=CodePolicy(), zone=UTC, doors=doors(*door_keys), now=NOW)


def as_existing(the_plan, start_id=1):
    return tuple(
        ExistingCode(
            code_id=start_id + index,
            door_key=code.door_key,
            part=code.part,
            is_offline_access_code=code.is_offline_access_code,
            name=code.name,
            code=code.code,
            starts_at=code.starts_at,
            ends_at=code.ends_at,
        )
        for index, code in enumerate(the_plan.codes)
    )


def actions(steps):
    return sorted((step.action, (step.planned or step.existing).door_key) for step in steps)


def test_a_new_booking_creates_one_code_per_door():
    steps = plan_diff(plan=booking_plan(door_keys=("front", "offline-garden")), existing=())
    assert actions(steps) == [(Action.CREATE, "front"), (Action.CREATE, "offline-garden")]


def test_applying_the_same_plan_twice_changes_nothing():
    the_plan = booking_plan(door_keys=("front", "offline-garden"))
    steps = plan_diff(plan=the_plan, existing=as_existing(the_plan))
    assert {step.action for step in steps} == {Action.KEEP}


@pytest.mark.parametrize(
    ("check_in", "nights"),
    [
        pytest.param(CHECK_IN + timedelta(days=3), 2, id="dates-moved-before-arrival"),
        pytest.param(CHECK_IN, 5, id="extended-during-the-stay"),
    ],
)
def test_moved_or_extended_online_codes_are_updated_and_keep_their_pin(check_in, nights):
    before = booking_plan()
    after = booking_plan(check_in=check_in, nights=nights, pins={"front": before.codes[0].code})
    (step,) = plan_diff(plan=after, existing=as_existing(before))
    assert step.action is Action.UPDATE
    assert step.changes == ("window",)
    assert step.planned.code == before.codes[0].code
    assert step.existing.code_id == 1


def test_moved_offline_code_is_replaced_and_the_old_one_left_valid():
    before = booking_plan(door_keys=("offline-garden",))
    after = booking_plan(check_in=CHECK_IN + timedelta(days=1), door_keys=("offline-garden",))
    steps = plan_diff(plan=after, existing=as_existing(before))
    assert [step.action for step in steps] == [Action.LEAVE_OFFLINE, Action.CREATE]
    assert "stays valid until 2026-02-03 23:00 UTC" in steps[0].reason


def test_unit_change_removes_the_old_doors_and_creates_the_new():
    before = booking_plan(door_keys=("front", "offline-garden"))
    after = booking_plan(door_keys=("front-b",))
    steps = plan_diff(plan=after, existing=as_existing(before))
    assert actions(steps) == [
        (Action.CREATE, "front-b"),
        (Action.DELETE, "front"),
        (Action.LEAVE_OFFLINE, "offline-garden"),
    ]


def test_cancelled_deletes_online_codes_and_flags_offline_ones():
    before = booking_plan(door_keys=("front", "offline-garden"))
    steps = plan_diff(plan=None, existing=as_existing(before))
    assert actions(steps) == [(Action.DELETE, "front"), (Action.LEAVE_OFFLINE, "offline-garden")]
    assert "revoke it on the lock" in next(s for s in steps if s.action is Action.LEAVE_OFFLINE).reason


def test_reconfirmed_after_cancellation_creates_one_set_only():
    the_plan = booking_plan(door_keys=("front",))
    first = plan_diff(plan=the_plan, existing=())
    # Re-confirmed twice in a row: the second time the codes from the first exist and are kept.
    second = plan_diff(plan=the_plan, existing=as_existing(the_plan))
    assert [step.action for step in first] == [Action.CREATE]
    assert [step.action for step in second] == [Action.KEEP]


def test_a_door_planned_as_none_loses_its_code():
    before = booking_plan(door_keys=("offline-garden",))
    after = booking_plan(nights=400, door_keys=("offline-garden",))  # too long for igloohome: none
    assert after.codes[0].kind == "none"
    (step,) = plan_diff(plan=after, existing=as_existing(before))
    assert step.action is Action.LEAVE_OFFLINE
