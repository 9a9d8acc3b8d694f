"""The workspace settings in real Chromium: an admin creates an API token and sees it once, adds a
member, adds a booking source and sees its URL and secret once, and every settings page fits a 390 px
phone without sideways scrolling."""

import pytest
from browser_helpers import PHONE, horizontal_overflow, log_in
from playwright.sync_api import expect

from accesscodes.bookings.hook_sources import booking_source_create, hook_token_hash
from accesscodes.bookings.models import BookingSource, CalendarFeed, Property, Unit
from portal.models import ApiToken, Membership, Role
from portal.outbound.services import webhook_endpoint_create
from portal.services import api_token_hash

pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS_PATHS = [
    "/w/alpha/settings/",
    "/w/alpha/settings/tokens/",
    "/w/alpha/settings/webhooks/",
    "/w/alpha/settings/seam/",
    "/w/alpha/settings/properties/",
    "/w/alpha/settings/feeds/",
    "/w/alpha/settings/sources/",
    "/w/alpha/properties/new/",
]


@pytest.fixture
def admin(member, workspace_a):
    return member(workspace_a, Role.ADMIN, username="adam")


@pytest.fixture
def settings_rows(workspace_a):
    property = Property.objects.create(workspace=workspace_a, name="Maple Court", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="4B")
    CalendarFeed.objects.create(
        workspace=workspace_a, unit=unit, name="Airbnb", url="https://example.com/a-long-calendar-address.ics"
    )
    webhook_endpoint_create(
        workspace=workspace_a, url="https://hooks.example.com/a/rather/long/path/for/the/phone/layout"
    )
    booking_source_create(workspace=workspace_a, name="A channel manager with a long name")


def test_an_admin_creates_a_token_and_sees_it_once(page, live_server, admin, workspace_a, screenshot):
    log_in(page, live_server, "adam")
    page.goto(f"{live_server.url}/w/alpha/")
    page.click("nav >> text=Settings")
    page.click(".settings-tabs >> text=API tokens")
    page.fill("input[name=name]", "Channel manager")
    page.select_option("select[name=scope]", "read")
    page.click("text=Create token")
    secret = page.locator("#secret-value")
    expect(secret).to_be_visible()
    clear = secret.input_value()
    token = ApiToken.objects.for_workspace(workspace_a).get(name="Channel manager")
    assert token.token_hash == api_token_hash(clear)
    screenshot(page, "settings-token-created-desktop")

    page.click("text=Back to the tokens")
    expect(page.locator("#tokens")).to_contain_text("Channel manager")
    assert clear not in page.content()
    page.reload()
    assert clear not in page.content()
    screenshot(page, "settings-tokens-desktop")


def test_an_admin_adds_a_booking_source_and_sees_its_url_and_secret_once(
    page, live_server, admin, workspace_a, screenshot
):
    log_in(page, live_server, "adam")
    page.goto(f"{live_server.url}/w/alpha/settings/")
    page.click(".settings-tabs >> text=Booking sources")
    page.fill("input[name=name]", "Hostaway")
    page.click("text=Add source")
    hook_url, secret = page.locator("#hook-url").input_value(), page.locator("#signing-secret").input_value()
    source = BookingSource.objects.for_workspace(workspace_a).get()
    assert source.token_hash == hook_token_hash(hook_url.rstrip("/").rsplit("/", 1)[1])
    assert source.secret == secret
    screenshot(page, "settings-source-created-desktop")

    page.click("text=Back to the booking sources")
    expect(page.locator("#sources")).to_contain_text("Hostaway")
    assert hook_url not in page.content() and secret not in page.content()
    page.click("button[aria-label='New secret for Hostaway']")
    expect(page.locator("#signing-secret")).not_to_have_value(secret)
    page.click("text=Back to the booking sources")
    page.click("button[aria-label='Disable Hostaway']")
    expect(page.locator(f"#source-{source.pk}")).to_contain_text("disabled")
    screenshot(page, "settings-sources-desktop")


def test_an_admin_adds_a_member_and_cannot_make_an_owner(page, live_server, admin, workspace_a, make_user):
    make_user("carol")
    log_in(page, live_server, "adam")
    page.goto(f"{live_server.url}/w/alpha/settings/")
    page.fill("#member-add input[name=username]", "carol")
    page.select_option("#member-add select[name=role]", "owner")
    page.click("text=Add member")
    expect(page.locator("#member-add .errorlist")).to_contain_text("Only an owner can add")
    page.select_option("#member-add select[name=role]", "manager")
    page.click("text=Add member")
    expect(page.locator("#members")).to_contain_text("carol")
    assert Membership.objects.get(workspace=workspace_a, user__username="carol").role == Role.MANAGER


@pytest.mark.parametrize("path", SETTINGS_PATHS)
def test_settings_pages_fit_a_phone(page, live_server, admin, settings_rows, screenshot, path):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, "phone-" + path.strip("/").replace("/", "-"))
    assert horizontal_overflow(page) == 0
