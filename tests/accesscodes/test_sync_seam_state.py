"""What Seam reports about a code is copied onto its row and written back."""

import pytest
from django.utils import timezone

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from accesscodes.sync.seam_state import seam_state_apply
from accesscodes.sync.write_back import SEAM_FIELDS, access_code_write_back

pytestmark = pytest.mark.django_db


def test_a_natively_scheduled_code_is_recorded_as_held_by_the_lock(workspace_a, make_device):
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a), name="Guest", code="4821"
    )
    seam_code = {"access_code_id": "ac-1", "status": "unset", "is_scheduled_on_device": True}
    seam_state_apply(access_code=access_code, seam_code=seam_code, now=timezone.now())
    access_code_write_back(access_code=access_code, fields=list(SEAM_FIELDS))
    stored = AccessCode.objects.for_workspace(workspace_a).get(pk=access_code.pk)
    assert stored.is_scheduled_on_device is True
    seam_state_apply(
        access_code=stored, seam_code={**seam_code, "is_scheduled_on_device": False}, now=timezone.now()
    )
    assert stored.is_scheduled_on_device is False
