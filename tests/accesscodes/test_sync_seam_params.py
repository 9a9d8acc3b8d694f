"""What the portal sends Seam, and how it reads Seam's timestamps."""

import datetime as dt

import pytest

from accesscodes.models import AccessCode
from accesscodes.sync.seam_params import create_params, seam_datetime

START = dt.datetime(2030, 5, 1, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def igloohome(db, workspace_a, make_device):
    return make_device(workspace_a, "igloohome")


def offline(device, *, ends_at, one_time_use=True):
    return AccessCode(
        workspace=device.workspace,
        device=device,
        name="Guest",
        starts_at=START,
        ends_at=ends_at,
        is_offline_access_code=True,
        is_one_time_use=one_time_use,
    )


def test_one_time_use_offline_code_is_sent_as_seams_example_sends_it(igloohome):
    params = create_params(access_code=offline(igloohome, ends_at=START + dt.timedelta(hours=24)))
    assert "ends_at" not in params
    assert params["starts_at"] == START
    assert params["is_offline_access_code"] is True
    assert params["is_one_time_use"] is True


@pytest.mark.parametrize(
    "ends_after, one_time_use",
    [(dt.timedelta(hours=48), True), (dt.timedelta(hours=24), False)],
)
def test_other_offline_windows_are_sent_whole(igloohome, ends_after, one_time_use):
    params = create_params(
        access_code=offline(igloohome, ends_at=START + ends_after, one_time_use=one_time_use)
    )
    assert params["ends_at"] == START + ends_after


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2030-05-01T15:00:00Z", START),
        ("2030-05-01T15:00:00.000+00:00", START),
        (START, START),
        ("2030-13-01T15:00:00Z", None),  # well-formed, impossible
        ("soon", None),
        (1904310000, None),  # a number is not a Seam timestamp
        (None, None),
        ({"at": "2030-05-01T15:00:00Z"}, None),
    ],
)
def test_one_reading_of_seam_timestamps(value, expected):
    assert seam_datetime(value) == expected
