"""Codes found in Seam are adopted through a service that runs `full_clean()`; they record what is on the
lock, so no provider rule may refuse them, even when another Seam integration manages them."""

import pytest
from django.core.exceptions import ValidationError
from scripted_seam import device_blind_seam

from accesscodes.models import AccessCode, AccessCodeEvent
from accesscodes.sync.reconcile import access_codes_reconcile
from portal.services import workspace_create


@pytest.fixture
def seam():
    with device_blind_seam() as seam:
        yield seam


def test_a_code_another_integration_manages_is_adopted_even_if_the_portal_would_refuse_it(
    db, seam, settings, make_device
):
    settings.SEAM_MAX_RETRIES = 0
    workspace = workspace_create(
        name="Found", slug="found", seam_api_key="seam_test_found_key_00", seam_api_url=seam.server.url
    )
    lock = make_device(workspace, "august")  # takes 4 to 6 digits
    seam.code(lock.seam_device_id, "1234567", name="Set by the booking tool")

    outcome = access_codes_reconcile(workspace=workspace)

    assert (outcome.adopted, outcome.errors) == (1, [])
    adopted = AccessCode.objects.for_workspace(workspace).get()
    assert (adopted.code, adopted.is_managed, adopted.device) == ("1234567", True, lock)
    event = AccessCodeEvent.objects.for_workspace(workspace).get(access_code=adopted)
    assert event.kind == "adopted" and "another Seam integration" in event.message


def test_the_same_pin_made_in_the_portal_is_still_refused(workspace_a, make_device):
    lock = make_device(workspace_a, "august")
    draft = AccessCode(workspace=workspace_a, device=lock, name="Guest", code="1234567")
    with pytest.raises(ValidationError) as error:
        draft.full_clean()
    assert "code" in error.value.message_dict
