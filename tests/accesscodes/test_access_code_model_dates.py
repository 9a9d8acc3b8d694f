"""Times outside the years 2000-2100 are a clear field error at every entry point, never an OverflowError."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accesscodes.models import DATE_OUT_OF_RANGE, AccessCode
from accesscodes.services import access_code_create, access_code_update

pytestmark = pytest.mark.django_db

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its year 1 starts before UTC's


def far_dates():
    return [
        pytest.param(dt.datetime(1, 1, 1, tzinfo=dt.UTC), id="0001-01-01-utc"),
        pytest.param(dt.datetime(1, 1, 1, tzinfo=KIRITIMATI), id="0001-01-01-kiritimati"),
        pytest.param(dt.datetime(9999, 12, 31, 23, 59, tzinfo=LOS_ANGELES), id="9999-12-31-los-angeles"),
        pytest.param(dt.datetime(9999, 12, 31, 23, 59, tzinfo=KIRITIMATI), id="9999-12-31-kiritimati"),
    ]


def code_with(workspace, device, **window):
    return AccessCode(workspace=workspace, device=device, name="Guest", code="4821", **window)


@pytest.mark.parametrize("far", far_dates())
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_full_clean_refuses_far_dates_on_the_field(workspace_a, make_device, far, field):
    window = {
        "starts_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2030, 1, 2, tzinfo=dt.UTC),
    }
    window[field] = far
    access_code = code_with(workspace_a, make_device(workspace_a), **window)

    with pytest.raises(ValidationError) as refused:
        access_code.full_clean()

    assert refused.value.message_dict[field] == [DATE_OUT_OF_RANGE]


@pytest.mark.parametrize("far", far_dates())
def test_service_refuses_far_dates_with_a_field_error(workspace_a, make_device, far):
    with pytest.raises(ValidationError) as refused:
        access_code_create(
            workspace=workspace_a,
            device=make_device(workspace_a),
            name="Guest",
            starts_at=far,
            ends_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        )

    assert refused.value.message_dict["starts_at"] == [DATE_OUT_OF_RANGE]
    assert not AccessCode.objects.for_workspace(workspace_a).exists()


@pytest.mark.parametrize(
    ("zone", "starts_at", "ends_at", "refused_field"),
    [
        pytest.param("UTC", (1999, 12, 31, 23, 59), (2030, 1, 1), "starts_at", id="1999-refused"),
        pytest.param("UTC", (2000, 1, 1, 0, 0), (2030, 1, 1), None, id="2000-accepted"),
        pytest.param("UTC", (2100, 12, 31, 0, 0), (2100, 12, 31, 23, 59), None, id="2100-accepted"),
        pytest.param("UTC", (2100, 12, 31, 0, 0), (2101, 1, 1, 0, 0), "ends_at", id="2101-refused"),
        # The years are read on the clock the person typed on (the active zone): 2000-01-01 00:00 in
        # Kiritimati is still 1999 in UTC, and 2100-12-31 23:59 in Los Angeles already 2101.
        pytest.param("Pacific/Kiritimati", (2000, 1, 1, 0, 0), (2030, 1, 1), None, id="2000-kiritimati"),
        pytest.param(
            "America/Los_Angeles", (2100, 12, 31, 0, 0), (2100, 12, 31, 23, 59), None, id="2100-los-angeles"
        ),
    ],
)
def test_year_edges_on_the_active_zone(workspace_a, make_device, zone, starts_at, ends_at, refused_field):
    with timezone.override(zone):
        local = timezone.get_current_timezone()
        access_code = code_with(
            workspace_a,
            make_device(workspace_a),
            starts_at=dt.datetime(*starts_at, tzinfo=local),
            ends_at=dt.datetime(*ends_at, tzinfo=local),
        )
        if refused_field is None:
            access_code.full_clean()
            return
        with pytest.raises(ValidationError) as refused:
            access_code.full_clean()

    assert refused.value.message_dict == {refused_field: [DATE_OUT_OF_RANGE]}


def test_a_stored_time_is_not_judged_again_on_another_clock(workspace_a, make_device):
    # Typed as 2000-01-01 00:00 in Kiritimati (accepted there); a later change made while UTC is active
    # (a worker, another zone's page) must not be refused for a time nobody changed.
    with timezone.override("Pacific/Kiritimati"):
        access_code = access_code_create(
            workspace=workspace_a,
            device=make_device(workspace_a),
            name="Guest",
            code="4821",
            starts_at=dt.datetime(2000, 1, 1, tzinfo=KIRITIMATI),
            ends_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        )

    with timezone.override("UTC"):
        updated = access_code_update(access_code=access_code, name="Guest, late check-out")

    assert updated.name == "Guest, late check-out"
    assert updated.starts_at == dt.datetime(2000, 1, 1, tzinfo=KIRITIMATI)


@pytest.mark.parametrize("typed_date", ["0001-01-01", "9999-12-31"])
def test_admin_add_view_answers_far_dates_with_a_field_error(
    alice_client, workspace_a, make_device, typed_date
):
    device = make_device(workspace_a)

    with timezone.override("America/Los_Angeles"):
        response = alice_client.post(
            reverse("admin:accesscodes_accesscode_add"),
            {
                "device": device.pk,
                "name": "Guest",
                "code": "4821",
                "starts_at_0": typed_date,
                "starts_at_1": "23:59:00",
                "ends_at_0": "2030-01-01",
                "ends_at_1": "10:00:00",
                "max_time_rounding": "1hour",
            },
        )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["starts_at"] == [DATE_OUT_OF_RANGE]
    assert not AccessCode.objects.for_workspace(workspace_a).exists()
