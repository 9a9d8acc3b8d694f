"""Defect found by the restore drill: after the database was restored from a backup older than some codes,
the booking system sent those bookings again and the portal created their codes again. Seam refused each
online PIN the lock already held (409, the code marked failed) and made a second offline PIN for each
igloohome code (a PIN that cannot be taken back). The code Seam already holds for the very same row
(same lock, same PIN or same name and start) is now linked instead."""

import datetime as dt

import pytest
from test_sync_late_create import Lab

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from portal.seam import SeamClient
from portal.seam.sandbox import SandboxServer


@pytest.fixture
def lab(db, settings):
    settings.SEAM_MAX_RETRIES = 0
    with SandboxServer(host="127.0.0.1", port=0) as sandbox:
        yield Lab(sandbox)


def stay(lab, days=2):
    start = lab.sandbox.clock.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=26)
    return start, start + dt.timedelta(days=days)


def made_before_the_restore(lab, device, **params) -> dict:
    """A code the portal made before its database was restored: Seam has it, the portal does not."""
    with SeamClient(api_key=lab.api_key, base_url=lab.sandbox.url, max_retries=0) as client:
        return client.access_codes_create(device_id=device.seam_device_id, **params)


def online_row(lab, device, *, name, code, window):
    return access_code_create(
        workspace=lab.workspace, device=device, name=name, code=code, starts_at=window[0], ends_at=window[1]
    )


def pin_on_the_lock(lab, *, name, window, row_window=None):
    """The lock holds PIN 4821 under `name` for `window` (unknown to the portal); then the portal's row
    for Ada Lovelace asks for the same PIN for `row_window` (default: the same window)."""
    device = lab.device("august")
    earlier = made_before_the_restore(
        lab, device, name=name, code="4821", starts_at=window[0], ends_at=window[1]
    )
    access_code = online_row(lab, device, name="Ada Lovelace", code="4821", window=row_window or window)
    return device, earlier, access_code


def test_an_online_pin_the_lock_already_holds_for_this_code_is_linked_not_refused(lab):
    device, earlier, access_code = pin_on_the_lock(lab, name="Ada Lovelace", window=stay(lab))

    assert lab.converge(access_code) == "linked"

    access_code.refresh_from_db()
    assert access_code.seam_access_code_id == earlier["access_code_id"]
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC
    assert [code["access_code_id"] for code in lab.seam_codes(device)] == [earlier["access_code_id"]]
    assert lab.events(access_code, "linked")


def test_a_linked_code_with_another_window_gets_the_rows_window(lab):
    window = stay(lab)
    before_the_move = (window[0] - dt.timedelta(days=1), window[1] - dt.timedelta(days=1))
    device, _, access_code = pin_on_the_lock(
        lab, name="Ada Lovelace", window=before_the_move, row_window=window
    )

    assert lab.converge(access_code) == "linked"

    (in_seam,) = lab.seam_codes(device)
    assert in_seam["starts_at"].startswith(window[0].strftime("%Y-%m-%dT%H:%M"))
    assert in_seam["ends_at"].startswith(window[1].strftime("%Y-%m-%dT%H:%M"))
    access_code.refresh_from_db()
    assert access_code.sync_state == AccessCode.SyncState.IN_SYNC


def test_someone_elses_code_with_the_same_pin_is_not_taken_over(lab):
    device, other, access_code = pin_on_the_lock(lab, name="Cleaner", window=stay(lab))

    assert lab.converge(access_code) == "failed"

    access_code.refresh_from_db()
    assert access_code.seam_access_code_id == ""
    assert "duplicate" in access_code.last_sync_error
    assert [code["name"] for code in lab.seam_codes(device)] == ["Cleaner"]
    assert other["access_code_id"] not in set(
        AccessCode.objects.for_workspace(lab.workspace).values_list("seam_access_code_id", flat=True)
    )


def offline_code_in_seam(lab, *, name):
    """Seam holds an igloohome offline code under `name` (unknown to the portal); then the portal's row
    for Ada Lovelace asks for one for the same stay."""
    device = lab.device("igloohome")
    window = stay(lab)
    earlier = made_before_the_restore(
        lab, device, name=name, starts_at=window[0], ends_at=window[1], is_offline_access_code=True
    )
    access_code = access_code_create(
        workspace=lab.workspace, device=device, name="Ada Lovelace", starts_at=window[0], ends_at=window[1],
        is_offline_access_code=True,
    )  # fmt: skip
    return device, earlier, access_code


def test_an_offline_pin_seam_already_made_for_this_code_is_linked_not_made_twice(lab):
    device, earlier, access_code = offline_code_in_seam(lab, name="Ada Lovelace")

    assert lab.converge(access_code) == "linked"

    access_code.refresh_from_db()
    assert access_code.seam_access_code_id == earlier["access_code_id"]
    assert access_code.code == earlier["code"]
    assert len(lab.seam_codes(device)) == 1


def test_a_first_offline_code_is_created_after_looking(lab):
    device, _, access_code = offline_code_in_seam(lab, name="Someone else")

    assert lab.converge(access_code) == "created"

    assert sorted(code["name"] for code in lab.seam_codes(device)) == ["Ada Lovelace", "Someone else"]
