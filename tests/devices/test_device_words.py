"""Words, not codes: every Seam error and warning code in the tables renders with its explanation and what to
do, an unknown one still reads as something, makers have their names, locks without a bridge are not a red
"offline", and "last seen" is when Seam last reported the lock."""

import datetime as dt
import html
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accesscodes.explanations import ACCESS_CODE_ERRORS, ACCESS_CODE_WARNINGS
from devices.explanations import DEVICE_ERRORS, DEVICE_WARNINGS, manufacturer_name
from devices.models import Device, SyncRun
from devices.selectors import device_health_summary

TABLES = [
    ("device_issue", "device_words", "error_code", DEVICE_ERRORS),
    ("device_issue", "device_words", "warning_code", DEVICE_WARNINGS),
    ("access_code_issue", "access_code_badges", "error_code", ACCESS_CODE_ERRORS),
    ("access_code_issue", "access_code_badges", "warning_code", ACCESS_CODE_WARNINGS),
]
EVERY_CODE = [
    pytest.param(tag, library, key, code, explanation, id=f"{tag}-{code}")
    for tag, library, key, table in TABLES
    for code, explanation in table.items()
]


def render(tag: str, library: str, issue: dict) -> str:
    return html.unescape(
        Template(f"{{% load {library} %}}{{% {tag} issue %}}").render(Context({"issue": issue}))
    )


@pytest.mark.parametrize(("tag", "library", "key", "code", "explanation"), EVERY_CODE)
def test_every_code_in_the_tables_renders_with_its_explanation(tag, library, key, code, explanation):
    shown = render(tag, library, {key: code, "message": "Seam's own words"})
    assert explanation.title and explanation.meaning and explanation.todo
    for part in (code, explanation.title, explanation.meaning, explanation.todo):
        assert part in shown
    assert "Seam: Seam's own words" in shown  # Seam's message stays visible beside the explanation


@pytest.mark.parametrize(
    ("tag", "library"), [("device_issue", "device_words"), ("access_code_issue", "access_code_badges")]
)
def test_an_unknown_code_renders_as_the_raw_code_and_seams_message(tag, library):
    shown = render(tag, library, {"warning_code": "brand_new_warning", "message": "Something new happened"})
    assert "brand_new_warning" in shown and "Something new happened" in shown
    assert "Brand new warning" in shown
    silent = render(tag, library, {"error_code": "brand_new_error"})
    assert "Seam reported “brand_new_error” without details." in silent


def test_a_device_error_on_a_code_is_explained_by_the_device_table():
    shown = render("access_code_issue", "access_code_badges", {"error_code": "hub_disconnected"})
    assert DEVICE_ERRORS["hub_disconnected"].meaning in shown


def test_makers_have_their_own_names():
    assert manufacturer_name("dormakaba_oracode") == "dormakaba Oracode"
    assert manufacturer_name("igloohome") == "igloohome"
    assert manufacturer_name("salto") == "Salto KS"
    assert manufacturer_name("acme_locks") == "Acme locks"
    assert manufacturer_name("") == "Unknown maker"


def test_the_device_page_explains_its_warnings(alice_client, workspace_a, make_device):
    device = make_device(
        workspace_a, "ultraloq", warnings=[{"warning_code": "ultraloq_time_zone_unknown", "message": "tz"}]
    )
    page = html.unescape(
        alice_client.get(reverse("device_detail", args=["alpha", device.pk])).content.decode()
    )
    words = DEVICE_WARNINGS["ultraloq_time_zone_unknown"]
    assert words.meaning in page and words.todo in page and "ultraloq_time_zone_unknown" in page
    assert "Ultraloq" in page


def test_a_lock_without_a_bridge_is_not_a_red_offline(alice_client, workspace_a, make_device):
    igloohome = make_device(workspace_a, "igloohome", name="Shed", online=False)
    august = make_device(workspace_a, "august", name="Front", online=False)
    page = alice_client.get(reverse("device_detail", args=["alpha", igloohome.pk])).content.decode()
    assert "offline codes only" in page and '<span class="badge bad">offline</span>' not in page
    page = alice_client.get(reverse("device_detail", args=["alpha", august.pk])).content.decode()
    assert '<span class="badge bad">offline</span>' in page
    listing = alice_client.get(reverse("device_list", args=["alpha"])).content.decode()
    assert listing.count('<span class="badge bad">offline</span>') == 1
    health = device_health_summary(workspace=workspace_a)
    assert (health["offline"], health["offline_by_design"]) == (1, 1)
    offline = alice_client.get(reverse("device_list", args=["alpha"]), {"health": "offline"})
    assert [device.name for device in offline.context["devices"]] == ["Front"]


def test_last_seen_is_the_last_successful_sync_not_the_last_change(alice_client, workspace_a, make_device):
    long_ago = dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.UTC)
    device = make_device(workspace_a, "august", last_changed_at=long_ago)
    sync = SyncRun.objects.create(
        workspace=workspace_a, status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    SyncRun.objects.create(workspace=workspace_a, status=SyncRun.Status.FAILED)  # the newest run saw nothing
    expected = f"{sync.started_at.astimezone(ZoneInfo(workspace_a.timezone)):%Y-%m-%d %H:%M}"
    page = alice_client.get(reverse("device_detail", args=["alpha", device.pk])).content.decode()
    assert "Last seen <time" in page and expected in page
    listing = alice_client.get(reverse("device_list", args=["alpha"])).content.decode()
    row = listing.split(device.name, 1)[1].split("</tr>", 1)[0]
    assert expected in row and "2020-01-02" not in row
    Device.objects.for_workspace(workspace_a).filter(pk=device.pk).update(removed_at=timezone.now())
    removed = alice_client.get(reverse("device_list", args=["alpha"]), {"removed": "1"}).content.decode()
    assert "removed <time" in removed.split(device.name, 1)[1].split("</tr>", 1)[0]
