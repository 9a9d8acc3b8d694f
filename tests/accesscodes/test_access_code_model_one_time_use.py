"""An igloohome one-time-use offline code sent with a start only (as Seam's own example does) is accepted
everywhere and gets the 24 hours igloohome gives it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accesscodes.models import AccessCode
from accesscodes.providers.base import BOTH_TOGETHER
from accesscodes.services import access_code_create
from portal.models import Role

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(hours=24)


def next_hour(days=0, hours=1):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=days, hours=hours)


def one_time_code(workspace, device, starts_at, **fields):
    return AccessCode(
        workspace=workspace,
        device=device,
        name="Cleaner",
        starts_at=starts_at,
        is_offline_access_code=True,
        is_one_time_use=True,
        **fields,
    )


def test_full_clean_stores_the_24_hour_window(workspace_a, make_device):
    starts_at = next_hour(days=1)
    access_code = one_time_code(workspace_a, make_device(workspace_a, "igloohome"), starts_at)

    access_code.full_clean()

    assert access_code.starts_at == starts_at
    assert access_code.ends_at == starts_at + DAY


def test_an_end_other_than_24_hours_is_still_refused(workspace_a, make_device):
    starts_at = next_hour(days=1)
    access_code = one_time_code(
        workspace_a, make_device(workspace_a, "igloohome"), starts_at, ends_at=starts_at + 2 * DAY
    )

    with pytest.raises(ValidationError) as refused:
        access_code.full_clean()

    assert "valid for exactly 24 hours" in " ".join(refused.value.message_dict["ends_at"])


def test_a_brand_without_an_implied_end_still_needs_one(workspace_a, make_device):
    # Lockly one-time-use codes last from their start to the end you give: nothing is derived.
    access_code = one_time_code(workspace_a, make_device(workspace_a, "lockly"), next_hour(days=1))

    with pytest.raises(ValidationError) as refused:
        access_code.full_clean()

    assert refused.value.message_dict["ends_at"] == [BOTH_TOGETHER]
    assert access_code.ends_at is None


def test_service_creates_it_with_the_window_shown_everywhere(workspace_a, make_device):
    starts_at = next_hour(days=1)

    access_code = access_code_create(
        workspace=workspace_a,
        device=make_device(workspace_a, "igloohome"),
        name="Cleaner",
        starts_at=starts_at,
        is_offline_access_code=True,
        is_one_time_use=True,
    )

    stored = AccessCode.objects.for_workspace(workspace_a).get(pk=access_code.pk)
    assert (stored.starts_at, stored.ends_at) == (starts_at, starts_at + DAY)
    assert stored.type == AccessCode.Type.TIME_BOUND
    assert stored.code == ""  # igloohome generates the PIN


def test_derived_windows_count_towards_five_per_start_date(workspace_a, make_device):
    device = make_device(workspace_a, "igloohome")
    first = next_hour(days=2).replace(hour=1)
    for hour in range(5):
        access_code_create(
            workspace=workspace_a,
            device=device,
            name=f"Cleaner {hour}",
            starts_at=first + dt.timedelta(hours=hour),
            is_offline_access_code=True,
            is_one_time_use=True,
        )

    with pytest.raises(ValidationError) as refused:
        access_code_create(
            workspace=workspace_a,
            device=device,
            name="Sixth",
            starts_at=first + dt.timedelta(hours=6),
            is_offline_access_code=True,
            is_one_time_use=True,
        )

    assert "at most 5 one-time-use codes per start date" in " ".join(refused.value.message_dict["starts_at"])


@pytest.fixture
def admin_poster(client, make_user, member, workspace_a):
    def login(who):
        if who == "superuser":
            user = make_user("root", superuser=True)
        else:
            user = member(workspace_a, Role.OWNER, username="second-owner")
        client.force_login(user)
        return client

    return login


def inline_management_data(client, url):
    """The history inline's empty management form, as the browser would send it (superusers see it)."""
    data = {}
    for inline in client.get(url).context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


@pytest.mark.parametrize("who", ["superuser", "owner"])
def test_admin_add_view_accepts_it(admin_poster, who, workspace_a, make_device):
    device = make_device(workspace_a, "igloohome")
    starts = next_hour(days=3)
    local = timezone.localtime(starts)
    client = admin_poster(who)
    add_url = reverse("admin:accesscodes_accesscode_add")

    response = client.post(
        add_url,
        {
            **inline_management_data(client, add_url),
            "device": device.pk,
            "name": "Cleaner",
            "starts_at_0": local.strftime("%Y-%m-%d"),
            "starts_at_1": local.strftime("%H:%M:%S"),
            "is_offline_access_code": "on",
            "is_one_time_use": "on",
            "max_time_rounding": "1hour",
            "prefer_native_scheduling": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    created = AccessCode.objects.for_workspace(workspace_a).get(name="Cleaner")
    assert (created.starts_at, created.ends_at) == (starts, starts + DAY)
