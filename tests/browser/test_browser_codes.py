"""Access codes in real Chromium: a code created on an offline-only lock through its fitted form, a code
deleted through its confirmation, and the code form of each kind of lock (screenshots to look at)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import PHONE, horizontal_overflow, log_in
from django.utils import timezone
from playwright.sync_api import expect

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from devices.models import Device

pytestmark = pytest.mark.django_db(transaction=True)

OFFLINE = re.compile(r"^offline$")  # the red status badge, not an explained problem that says "offline"

ORACODE_METADATA = {
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

# The kinds of lock whose forms differ, and the inputs each form must (not) have.
LOCK_KINDS = {
    "august": (
        {"manufacturer": "august", "online": True, "can_program_online_access_codes": True},
        {"code", "use_backup_access_code_pool", "prefer_native_scheduling"},
        {"is_offline_access_code", "is_one_time_use", "max_time_rounding"},
    ),
    "igloohome-offline-only": (
        {"manufacturer": "igloohome", "online": False, "can_program_offline_access_codes": True},
        {"is_one_time_use", "max_time_rounding"},
        {"code", "is_offline_access_code", "prefer_native_scheduling", "use_backup_access_code_pool"},
    ),
    "igloohome-bridge": (
        {
            "manufacturer": "igloohome",
            "online": True,
            "can_program_online_access_codes": True,
            "can_program_offline_access_codes": True,
        },
        {"code", "is_offline_access_code", "is_one_time_use", "max_time_rounding"},
        set(),
    ),
    "oracode": (
        {
            "manufacturer": "dormakaba_oracode",
            "online": False,
            "can_program_offline_access_codes": True,
            "properties": {"dormakaba_oracode_metadata": ORACODE_METADATA},
        },
        {"starts_at", "ends_at"},
        {
            "code",
            "is_offline_access_code",
            "is_one_time_use",
            "max_time_rounding",
            "prefer_native_scheduling",
        },
    ),
    "ultraloq": (
        {
            "manufacturer": "ultraloq",
            "online": True,
            "can_program_online_access_codes": True,
            "timezone": "America/Los_Angeles",
            "warnings": [{"warning_code": "device_has_flaky_connection", "message": "Flaky"}],
        },
        {"code", "prefer_native_scheduling"},
        {"is_offline_access_code", "is_one_time_use", "max_time_rounding"},
    ),
}


def lock(workspace, name, **fields):
    defaults = {"seam_device_id": f"device-{name}", "name": name, "battery_level": 0.9, "model": "Smart lock"}
    return Device.objects.create(workspace=workspace, **{**defaults, **fields})


def typed(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def test_create_a_code_on_an_offline_only_lock(page, live_server, workspace_a, screenshot):
    shed = lock(workspace_a, "Garden shed", **LOCK_KINDS["igloohome-offline-only"][0])
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/devices/{shed.pk}/")
    expect(page.locator("h1")).to_contain_text("offline codes only")
    form = page.locator("form[aria-label='New access code']")
    # No PIN and no online/offline choice: the lock generates offline PINs and takes nothing else.
    expect(form.locator("input[name=code]")).to_have_count(0)
    expect(form.locator("input[name=is_offline_access_code]")).to_have_count(0)

    start = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    form.locator("input[name=name]").fill("Gardener")
    form.locator("input[name=starts_at]").fill(typed(start, workspace_a.timezone))
    form.locator("input[name=ends_at]").fill(typed(start + dt.timedelta(hours=8), workspace_a.timezone))
    form.locator("button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text("Gardener")
    expect(page.locator("h1")).to_contain_text("upcoming")
    expect(page.locator("h1")).to_contain_text("offline")
    expect(page.locator("#code-scheduled")).to_contain_text("Scheduled, works from")
    screenshot(page, "code-offline-created")
    access_code = AccessCode.objects.for_workspace(workspace_a).get()
    assert access_code.is_offline_access_code and access_code.device == shed
    assert (access_code.starts_at, access_code.ends_at) == (start, start + dt.timedelta(hours=8))


def test_delete_a_code_with_its_confirmation(page, live_server, workspace_a, screenshot):
    front = lock(workspace_a, "Front door", **LOCK_KINDS["august"][0], supported_code_lengths=[4, 5, 6])
    access_code = access_code_create(workspace=workspace_a, device=front, name="Cleaner", code="4821")
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/codes/{access_code.pk}/")
    page.click("text=Delete from the lock…")

    expect(page.locator("h1")).to_contain_text("Delete “Cleaner”?")
    screenshot(page, "code-delete-confirm")
    access_code.refresh_from_db()
    assert access_code.removed_at is None  # asking is not deleting

    page.click("text=Cancel")
    expect(page.locator("h1")).to_contain_text("Cleaner")
    page.click("text=Delete from the lock…")
    page.click("text=Yes, delete it from the lock")
    expect(page.locator(".messages")).to_contain_text("Deletion requested.")
    expect(page.locator("h1")).to_contain_text("removed")
    access_code.refresh_from_db()
    assert access_code.sync_state == AccessCode.SyncState.REMOVED


@pytest.mark.parametrize("kind", list(LOCK_KINDS))
def test_the_code_form_of_each_kind_of_lock(page, live_server, workspace_a, screenshot, kind):
    fields, present, absent = LOCK_KINDS[kind]
    door = lock(workspace_a, f"{kind} door", **fields)
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/codes/new/?device={door.pk}")
    form = page.locator("form[aria-label='New access code']")
    for name in present | {"name", "starts_at", "ends_at"}:
        expect(form.locator(f"[name={name}]").first).to_be_visible()
    for name in absent:
        expect(form.locator(f"[name={name}]")).to_have_count(0)
    expect(form.locator(".zone").first).to_contain_text("time zone")
    screenshot(page, f"code-form-{kind}")


def test_a_failed_code_explains_itself_and_offers_the_retry_it_advises(
    page, live_server, workspace_a, screenshot
):
    front = lock(
        workspace_a,
        "Front door",
        **LOCK_KINDS["ultraloq"][0],
    )
    access_code = access_code_create(workspace=workspace_a, device=front, name="Ada", code="4821")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        sync_state=AccessCode.SyncState.IN_SYNC,
        seam_access_code_id="ac_1",
        errors=[{"error_code": "failed_to_set_on_device", "message": "Lock rejected the code"}],
        warnings=[{"warning_code": "ultraloq_access_code_disabled", "message": "Disabled"}],
    )
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/devices/{front.pk}/")
    expect(page.locator(".issue")).to_contain_text("Unstable connection")
    screenshot(page, "device-with-warning")

    page.goto(f"{live_server.url}/w/alpha/codes/{access_code.pk}/")
    expect(page.locator("h1")).to_contain_text("failed")
    problem = page.locator(".issue", has_text="failed_to_set_on_device")
    expect(problem).to_contain_text("The lock did not accept the code.")
    screenshot(page, "code-failed-explained")
    problem.locator("text=Retry now").click()
    expect(page.locator(".messages")).to_contain_text("Retry queued.")


def test_the_device_list_speaks_in_words(page, live_server, workspace_a, screenshot):
    lock(workspace_a, "Front door", **LOCK_KINDS["august"][0])
    lock(workspace_a, "Garden shed", **LOCK_KINDS["igloohome-offline-only"][0])
    lock(
        workspace_a,
        "Back door",
        manufacturer="august",
        online=False,
        can_program_online_access_codes=True,
        errors=[{"error_code": "device_offline", "message": "Device offline"}],
    )
    lock(workspace_a, "Office", **LOCK_KINDS["oracode"][0])
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/w/alpha/devices/")
    shed = page.locator("tr", has_text="Garden shed")
    expect(shed).to_contain_text("offline codes only")
    expect(page.locator("tr", has_text="Office")).to_contain_text("dormakaba Oracode")
    back = page.locator("tr", has_text="Back door")
    expect(back.locator(".badge.bad", has_text=OFFLINE)).to_be_visible()
    expect(back).to_contain_text("Lock offline")
    screenshot(page, "device-list-words")
    # Only the lock that should be online is a red "offline".
    expect(page.locator(".badge.bad", has_text=OFFLINE)).to_have_count(1)


def test_the_code_pages_fit_a_phone(page, live_server, workspace_a, screenshot):
    shed = lock(workspace_a, "Garden shed", **LOCK_KINDS["igloohome-offline-only"][0])
    front = lock(workspace_a, "Front door", **LOCK_KINDS["ultraloq"][0])
    access_code = access_code_create(workspace=workspace_a, device=front, name="Ada", code="4821")
    AccessCode.objects.for_workspace(workspace_a).filter(pk=access_code.pk).update(
        errors=[{"error_code": "failed_to_set_on_device", "message": "Lock rejected the code"}]
    )
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "alice")
    for name, path in [
        ("code-form-phone", f"/w/alpha/codes/new/?device={shed.pk}"),
        ("code-detail-phone", f"/w/alpha/codes/{access_code.pk}/"),
        ("code-delete-phone", f"/w/alpha/codes/{access_code.pk}/delete/"),
        ("device-detail-phone", f"/w/alpha/devices/{front.pk}/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        screenshot(page, name)
        assert horizontal_overflow(page) == 0, path
