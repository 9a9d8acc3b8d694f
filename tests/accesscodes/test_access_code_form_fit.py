"""Access-code pages that fit the lock: the form asks the lock's provider which fields make sense, times are
typed on the lock's clock, delete is confirmed, and a code's page says where the code is in its life and
offers the action its problem calls for."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from portal.models import Role

pytestmark = pytest.mark.django_db

ORACODE_SLOTS = {
    "iana_timezone": "America/Los_Angeles",
    "predefined_time_slots": [
        {
            "name": "Guest 4pm-10am",
            "prefix": 1,
            "is_master": False,
            "is_24_hour": False,
            "is_one_shot": False,
            "check_in_time": "16:00:00-07:00[America/Los_Angeles]",
            "check_out_time": "10:00:00-07:00[America/Los_Angeles]",
        }
    ],
}


def create_url(device):
    return f"{reverse('access_code_create', args=[device.workspace.slug])}?device={device.pk}"


def detail_url(access_code):
    return reverse("access_code_detail", args=[access_code.workspace.slug, access_code.pk])


def delete_url(access_code):
    return reverse("access_code_delete", args=[access_code.workspace.slug, access_code.pk])


def form_field_names(client, device) -> list[str]:
    response = client.get(create_url(device))
    assert response.status_code == 200
    return list(response.context["form"].fields)


def rendered_input_names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*name="([a-z_]+)"', html)) - {"csrfmiddlewaretoken"}


def test_an_august_lock_gets_the_online_fields_only(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "august")
    assert form_field_names(alice_client, device) == [
        "name",
        "code",
        "starts_at",
        "ends_at",
        "allow_external_modification",
        "prefer_native_scheduling",
        "use_backup_access_code_pool",
    ]


def test_an_offline_only_igloohome_lock_gets_no_pin_and_no_online_options(
    alice_client, workspace_a, make_device
):
    device = make_device(workspace_a, "igloohome", online=False)
    response = alice_client.get(create_url(device))
    html = response.content.decode()
    assert rendered_input_names(html) == {
        "name",
        "starts_at",
        "ends_at",
        "is_one_time_use",
        "max_time_rounding",
    }
    assert "This lock takes offline codes only: set a start and an end." in html
    assert "it lasts 24 hours" in html  # the provider's implied end of a one-time code
    # The rounding choices once each, in words.
    assert html.count('name="max_time_rounding"') == 2
    assert html.count("Up to 1 hour: the code keeps its hours") == 1
    assert html.count("Up to 1 day: Seam may round the code to whole days") == 1


def test_an_oracode_lock_gets_neither_pin_nor_one_time_use_nor_rounding(
    alice_client, workspace_a, make_device
):
    device = make_device(
        workspace_a,
        "dormakaba_oracode",
        online=False,
        can_program_offline_access_codes=True,
        can_program_online_access_codes=False,
        properties={"dormakaba_oracode_metadata": ORACODE_SLOTS},
    )
    html = alice_client.get(create_url(device)).content.decode()
    assert rendered_input_names(html) == {"name", "starts_at", "ends_at"}
    assert "America/Los_Angeles, the lock&#x27;s time zone" in html


def test_an_igloohome_lock_with_a_bridge_offers_both_kinds_and_says_which_takes_a_pin(
    alice_client, workspace_a, make_device
):
    device = make_device(workspace_a, "igloohome", can_program_online_access_codes=True)
    fields = form_field_names(alice_client, device)
    assert {"code", "is_offline_access_code", "is_one_time_use", "max_time_rounding"} <= set(fields)
    form = alice_client.get(create_url(device)).context["form"]
    assert "igloohome generates offline codes (algoPINs) itself" in form.fields["code"].help_text


def test_a_lockly_lock_offers_one_time_use_but_no_rounding_nor_backup_pool(
    alice_client, workspace_a, make_device
):
    fields = form_field_names(alice_client, make_device(workspace_a, "lockly"))
    assert "is_one_time_use" in fields and "is_offline_access_code" in fields
    assert "max_time_rounding" not in fields and "use_backup_access_code_pool" not in fields


def test_a_lock_reporting_no_backup_pool_gets_no_backup_choice(alice_client, workspace_a, make_device):
    device = make_device(workspace_a, "august", properties={"supports_backup_access_code_pool": False})
    assert "use_backup_access_code_pool" not in form_field_names(alice_client, device)


def test_a_code_on_an_offline_only_lock_is_offline_without_ticking_anything(
    alice_client, workspace_a, make_device
):
    device = make_device(workspace_a, "igloohome", online=False)
    start = (timezone.now() + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    zone = timezone.get_current_timezone()
    response = alice_client.post(
        create_url(device),
        {
            "name": "Guest",
            "starts_at": start.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=30)).astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
            "max_time_rounding": "1hour",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert access_code.is_offline_access_code
    assert (access_code.starts_at, access_code.ends_at) == (start, start + dt.timedelta(hours=30))


def test_times_are_typed_on_the_locks_clock(alice_client, workspace_a, make_device):
    workspace_a.timezone = "Europe/Paris"
    workspace_a.save()
    device = make_device(workspace_a, "ultraloq", timezone="America/Los_Angeles")
    page = alice_client.get(create_url(device)).content.decode()
    assert "America/Los_Angeles, the lock&#x27;s time zone" in page
    alice_client.post(
        create_url(device),
        {"name": "Guest", "code": "4821", "starts_at": "2031-01-10T15:00", "ends_at": "2031-01-12T11:00"},
    )
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert access_code.starts_at == dt.datetime(2031, 1, 10, 23, 0, tzinfo=dt.UTC)  # 15:00 PST
    assert access_code.ends_at == dt.datetime(2031, 1, 12, 19, 0, tzinfo=dt.UTC)


def test_a_lock_without_a_zone_takes_the_workspaces_and_says_so(alice_client, workspace_a, make_device):
    workspace_a.timezone = "Europe/Paris"
    workspace_a.save()
    page = alice_client.get(create_url(make_device(workspace_a, "august"))).content.decode()
    assert "Europe/Paris, the workspace&#x27;s time zone (the lock reports none)" in page


def test_delete_asks_for_confirmation_and_only_a_post_deletes(alice_client, workspace_a, make_device):
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a), name="Guest", code="4821"
    )
    detail = alice_client.get(detail_url(access_code)).content.decode()
    assert f'href="{delete_url(access_code)}"' in detail  # a link to the confirmation, not a deleting form
    assert f'action="{delete_url(access_code)}"' not in detail

    confirm = alice_client.get(delete_url(access_code))
    assert confirm.status_code == 200
    assert "Yes, delete it from the lock" in confirm.content.decode()
    access_code.refresh_from_db()
    assert access_code.removed_at is None

    assert alice_client.post(delete_url(access_code)).status_code == 302
    access_code.refresh_from_db()
    assert access_code.sync_state == AccessCode.SyncState.REMOVED


def test_a_viewer_gets_no_confirmation_page(client, workspace_a, make_device, member):
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a), name="Guest", code="4821"
    )
    client.force_login(member(workspace_a, Role.VIEWER))
    assert client.get(delete_url(access_code)).status_code == 403
    assert "Delete from the lock" not in client.get(detail_url(access_code)).content.decode()


def test_the_confirmation_of_an_offline_code_says_why_it_cannot_be_deleted(
    alice_client, workspace_a, make_device
):
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=3)
    access_code = access_code_create(
        workspace=workspace_a,
        device=make_device(workspace_a, "igloohome"),
        name="Guest",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=24),
        is_offline_access_code=True,
    )
    confirm = alice_client.get(delete_url(access_code)).content.decode()
    assert "cannot be deleted through the Seam API" in confirm
    assert "Yes, delete it" not in confirm


@pytest.mark.parametrize(
    ("window", "changes", "phase"),
    [
        ((dt.timedelta(days=2), dt.timedelta(days=3)), {}, "upcoming"),
        ((-dt.timedelta(hours=1), dt.timedelta(days=1)), {}, "active"),
        ((-dt.timedelta(days=3), -dt.timedelta(days=1)), {}, "expired"),
        ((-dt.timedelta(hours=1), dt.timedelta(days=1)), {"sync_state": "failed"}, "failed"),
        (
            (-dt.timedelta(hours=1), dt.timedelta(days=1)),
            {"errors": [{"error_code": "failed_to_set_on_device"}]},
            "failed",
        ),
    ],
)
def test_the_code_page_says_where_the_code_is_beside_seams_status(
    alice_client, workspace_a, make_device, window, changes, phase
):
    now = timezone.now()
    access_code = access_code_create(
        workspace=workspace_a,
        device=make_device(workspace_a),
        name="Guest",
        code="4821",
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=2),
    )
    # Windows in the past cannot be created; they are what time does to a stored code.
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        starts_at=now + window[0], ends_at=now + window[1], **changes
    )
    html = alice_client.get(detail_url(access_code)).content.decode()
    heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert f">{phase}</span>" in heading
    assert ">Seam: unset</span>" in heading
    assert ("Scheduled</strong>, goes on the lock at" in html) == (phase == "upcoming")


def test_a_future_code_says_when_it_goes_on_the_lock_on_the_locks_clock(
    alice_client, workspace_a, make_device
):
    device = make_device(workspace_a, "ultraloq", timezone="America/Los_Angeles")
    access_code = access_code_create(
        workspace=workspace_a,
        device=device,
        name="Guest",
        code="4821",
        starts_at=dt.datetime(2031, 3, 1, 23, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2031, 3, 3, 19, 0, tzinfo=dt.UTC),
    )
    html = alice_client.get(detail_url(access_code)).content.decode()
    assert (
        '<strong>Scheduled</strong>, goes on the lock at 2031-03-01 15:00 <span class="zone">America/Los_Angeles'
        in html
    )
    listed = alice_client.get(reverse("access_code_list", args=["alpha"])).content.decode()
    assert "Scheduled, goes on the lock at 2031-03-01 15:00" in listed


def issue_block(html: str, code: str) -> str:
    """The explained issue on the page whose raw code is `code`."""
    match = re.search(
        rf'<div class="issue [a-z]+">((?:(?!<div class="issue ).)*<code class="small">{code}</code>.*?)\n</div>',
        html,
        re.S,
    )
    assert match, f"{code} not shown"
    return match.group(1)


def test_a_failed_set_offers_the_retry_its_advice_names(alice_client, workspace_a, make_device):
    access_code = access_code_create(
        workspace=workspace_a, device=make_device(workspace_a), name="Guest", code="4821"
    )
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        sync_state=AccessCode.SyncState.IN_SYNC,
        seam_access_code_id="ac_1",
        errors=[{"error_code": "failed_to_set_on_device", "message": "Lock rejected the code"}],
    )
    html = alice_client.get(detail_url(access_code)).content.decode()
    block = issue_block(html, "failed_to_set_on_device")
    assert "The lock did not accept the code." in block and "What to do:" in block
    retry = reverse("access_code_retry", args=["alpha", access_code.pk])
    assert f'action="{retry}"' in block  # next to the advice, although the code is in sync with Seam
    assert html.count(f'action="{retry}"') == 1  # and not repeated among the page's buttons
    assert "Seam: Lock rejected the code" in block


def test_a_slow_set_offers_a_backup_code_when_the_code_uses_the_pool(alice_client, workspace_a, make_device):
    now = timezone.now()
    access_code = access_code_create(
        workspace=workspace_a,
        device=make_device(workspace_a),
        name="Guest",
        code="4821",
        starts_at=now + dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(days=2),
        use_backup_access_code_pool=True,
    )
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        sync_state=AccessCode.SyncState.IN_SYNC,
        seam_access_code_id="ac_1",
        warnings=[{"warning_code": "delay_in_setting_on_device", "message": "Delay"}],
    )
    backup = reverse("access_code_backup", args=["alpha", access_code.pk])
    block = issue_block(
        alice_client.get(detail_url(access_code)).content.decode(), "delay_in_setting_on_device"
    )
    assert f'action="{backup}"' in block
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        use_backup_access_code_pool=False
    )
    html = alice_client.get(detail_url(access_code)).content.decode()
    assert f'action="{backup}"' not in html  # no pool: the page does not offer what it cannot do
