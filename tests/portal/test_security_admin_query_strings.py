"""Admin changelists answer a NUL character in a filter value with a 400 (PostgreSQL cannot compare one),
never a 500."""

import pytest
from django.urls import reverse

CHANGELISTS = [
    ("admin:portal_membership_changelist", "role"),
    ("admin:accesscodes_accesscode_changelist", "status"),
    ("admin:devices_device_changelist", "manufacturer"),
    ("admin:devices_syncrun_changelist", "status"),
]


@pytest.mark.parametrize("changelist, parameter", CHANGELISTS)
def test_nul_character_in_a_filter_is_a_bad_filter(client, make_user, workspace_a, changelist, parameter):
    client.force_login(make_user("root", superuser=True))
    response = client.get(reverse(changelist), {parameter: "open\x00"})
    assert response.status_code == 400
