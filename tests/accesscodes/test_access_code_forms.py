"""The browser access-code forms: built from the model, typed on the active zone's clock, far dates refused
on the field, and cleaned_data ready for the services."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accesscodes.forms import AccessCodeEditForm, AccessCodeForm
from accesscodes.models import DATE_OUT_OF_RANGE, AccessCode
from accesscodes.services import UPDATABLE_FIELDS, access_code_create, access_code_update

pytestmark = pytest.mark.django_db

CREATE_KEYWORDS = {
    "name",
    "code",
    "starts_at",
    "ends_at",
    "is_offline_access_code",
    "is_one_time_use",
    "max_time_rounding",
    "allow_external_modification",
    "prefer_native_scheduling",
    "use_backup_access_code_pool",
}


def posted(**fields):
    return {"name": "Jane Doe", "max_time_rounding": "1hour", "prefer_native_scheduling": "on", **fields}


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def tomorrow_at_ten():
    return timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


def test_one_time_use_igloohome_code_with_a_start_only_is_created(workspace_a, make_device):
    starts_at = tomorrow_at_ten()
    form = AccessCodeForm(
        posted(starts_at=local_input(starts_at), is_offline_access_code="on", is_one_time_use="on")
    )

    assert form.is_valid(), form.errors
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a, "igloohome"), **form.cleaned_data
    )

    assert (access_code.starts_at, access_code.ends_at) == (starts_at, starts_at + dt.timedelta(hours=24))


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59"])
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_far_dates_are_a_field_error(zone, typed, field):
    data = posted(starts_at="2030-01-01T10:00", ends_at="2030-01-02T10:00")
    data[field] = typed
    with timezone.override(zone):
        form = AccessCodeForm(data)
        valid = form.is_valid()

    assert not valid
    assert form.errors[field] == [DATE_OUT_OF_RANGE]


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("1999-12-31T23:59", False),
        ("2000-01-01T00:00", True),
        ("2100-12-31T23:59", True),
        ("2101-01-01T00:00", False),
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_year_edges_are_read_on_the_typed_clock(zone, typed, accepted):
    with timezone.override(zone):
        form = AccessCodeForm(posted(ends_at=typed))
        form.is_valid()

    if accepted:
        assert "ends_at" not in form.errors
        assert form.cleaned_data["ends_at"].year == int(typed[:4])
    else:
        assert form.errors["ends_at"] == [DATE_OUT_OF_RANGE]


def test_times_are_typed_in_the_active_zone():
    with timezone.override("America/Los_Angeles"):
        form = AccessCodeForm(posted(starts_at="2030-07-01T10:00", ends_at="2030-07-02T10:00"))
        assert form.is_valid(), form.errors

    assert form.cleaned_data["starts_at"] == dt.datetime(2030, 7, 1, 17, 0, tzinfo=dt.UTC)
    assert form.cleaned_data["starts_at"].tzinfo == ZoneInfo("America/Los_Angeles")


def test_cleaned_data_is_exactly_the_create_keywords():
    form = AccessCodeForm(posted(code="4821"))

    assert form.is_valid(), form.errors
    assert set(form.cleaned_data) == CREATE_KEYWORDS
    assert form.cleaned_data["prefer_native_scheduling"] is True
    assert form.cleaned_data["is_offline_access_code"] is False


def test_edit_cleaned_data_is_what_the_update_service_accepts():
    form = AccessCodeEditForm(posted(code="4821"), initial={"name": "Jane", "max_time_rounding": "1hour"})

    assert form.is_valid(), form.errors
    assert set(form.cleaned_data) == CREATE_KEYWORDS - {
        "is_offline_access_code",
        "is_one_time_use",
        "use_backup_access_code_pool",
    }
    assert set(form.cleaned_data) <= UPDATABLE_FIELDS


def test_field_definitions_come_from_the_model():
    form = AccessCodeForm()
    for name in ("name", "code"):
        assert form.fields[name].max_length == AccessCode._meta.get_field(name).max_length
    assert form.fields["name"].required
    assert not form.fields["code"].required


def checked_choices(bound_field) -> list[str]:
    return re.findall(r'<input[^>]*value="([^"]+)"[^>]*checked', str(bound_field))


def test_each_rounding_meaning_is_offered_once_and_seams_aliases_still_validate():
    assert [value for value, _ in AccessCodeForm().fields["max_time_rounding"].choices] == ["1hour", "1day"]
    assert checked_choices(AccessCodeForm()["max_time_rounding"]) == ["1hour"]  # the model's default

    for alias in ("1h", "1d"):
        form = AccessCodeForm(posted(max_time_rounding=alias))
        assert form.is_valid(), form.errors
        assert form.cleaned_data["max_time_rounding"] == alias

    refused = AccessCodeForm(posted(max_time_rounding="2days"))
    assert not refused.is_valid()
    assert "max_time_rounding" in refused.errors


def test_a_value_seam_reported_as_an_alias_is_shown_and_kept_as_its_meaning():
    form = AccessCodeEditForm(posted(max_time_rounding="1hour"), initial={"max_time_rounding": "1h"})

    assert checked_choices(form["max_time_rounding"]) == ["1hour"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["max_time_rounding"] == "1h"  # same meaning: no change to send to Seam


def test_without_a_device_the_provider_rules_wait_for_the_service(workspace_a, make_device):
    device = make_device(workspace_a)
    form = AccessCodeForm(posted(code="12"))  # too short for any lock, but only the rules know that

    assert form.is_valid(), form.errors

    with_device = AccessCodeForm(posted(code="12"), instance=AccessCode(workspace=workspace_a, device=device))
    assert not with_device.is_valid()
    assert "4 to 12 digits" in " ".join(with_device.errors["code"])


def test_service_errors_land_on_their_fields(workspace_a, make_device):
    device = make_device(workspace_a)
    access_code_create(workspace=workspace_a, device=device, name="First", code="4821")
    form = AccessCodeForm(posted(code="4821"))
    assert form.is_valid(), form.errors

    with pytest.raises(ValidationError) as refused:
        access_code_create(workspace=workspace_a, device=device, **form.cleaned_data)
    form.add_service_errors(refused.value)

    assert "same PIN" in " ".join(form.errors["code"])


def test_edit_form_with_an_instance_leaves_the_callers_code_as_stored(workspace_a, make_device):
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a), name="Jane", code="4821"
    )
    form = AccessCodeEditForm(posted(name="Jane, late check-out", code="4821"), instance=access_code)

    assert form.is_valid(), form.errors
    assert access_code.name == "Jane"
    saved = access_code_update(access_code=access_code, **form.cleaned_data)
    assert saved.name == "Jane, late check-out"
