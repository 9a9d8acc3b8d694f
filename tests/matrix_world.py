"""Two workspaces, each holding one object of every kind a page, an admin screen or a hook can name, and a
member of every role: the world the cross-workspace matrices (pages, admin, hooks) send their requests into.

`world_fixture()` builds it once per test module inside a transaction that is rolled back when the module is
done; each test still runs in its own savepoint (pytest-django's `db`), so what one test changes is gone for
the next."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accesscodes.bookings.alerts import alert_open
from accesscodes.bookings.hook_sources import booking_source_create
from accesscodes.bookings.models import (
    Alert,
    BookingHookDelivery,
    CalendarFeed,
    Property,
    PropertySharedDoor,
    Unit,
    UnitDoor,
)
from accesscodes.bookings.services import booking_upsert
from accesscodes.services import access_code_create
from devices.models import ConnectedAccount, Device, SyncRun
from portal.hooks.endpoints import seam_webhook_endpoint_set
from portal.models import Membership, Role, SeamEvent
from portal.outbound.models import WebhookDelivery
from portal.outbound.services import webhook_endpoint_create
from portal.services import api_token_create, membership_set, workspace_create

ROLES = (Role.VIEWER, Role.MANAGER, Role.ADMIN, Role.OWNER)
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def make_user(username: str, *, staff=True):
    return get_user_model().objects.create_user(
        username=username, password="pw-for-tests-only", is_staff=staff
    )


def device(workspace, name: str, **fields) -> Device:
    return Device.objects.create(
        workspace=workspace,
        seam_device_id=f"{workspace.slug}-{uuid.uuid4().hex[:12]}",
        name=name,
        manufacturer="august",
        online=True,
        can_program_online_access_codes=True,
        supported_code_lengths=[4, 5, 6],
        **fields,
    )


def build_workspace(slug: str, name: str) -> SimpleNamespace:
    """`slug`'s workspace with one row of every tenant kind and a user per role (`users[role]`). Every name
    and id carries the workspace's name or slug, so a page showing another workspace's row is caught."""
    owner = make_user(f"{slug}-owner")
    workspace = workspace_create(name=name, slug=slug, seam_api_key=f"seam_test_{slug}_key_000", owner=owner)
    users = {Role.OWNER: owner}
    for role in (Role.VIEWER, Role.MANAGER, Role.ADMIN):
        users[role] = make_user(f"{slug}-{role}")
        membership_set(workspace=workspace, user=users[role], role=role)
    # A member the member pages act on, so removing or promoting them never touches the acting user.
    member_user = make_user(f"{slug}-member")
    membership_set(workspace=workspace, user=member_user, role=Role.VIEWER)

    account = ConnectedAccount.objects.create(
        workspace=workspace, seam_connected_account_id=f"acc-{slug}", display_name=f"{name} account"
    )
    entrance = device(workspace, f"{name} entrance", connected_account=account)
    door = device(workspace, f"{name} flat door", connected_account=account)
    spare_door = device(workspace, f"{name} spare door", connected_account=account)
    sync_run = SyncRun.objects.create(workspace=workspace, status=SyncRun.Status.SUCCEEDED, devices_seen=3)

    start = (timezone.now() + dt.timedelta(days=20)).replace(microsecond=0)
    code = access_code_create(
        workspace=workspace,
        device=spare_door,
        name=f"{name} cleaner",
        code="4826",
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
        use_backup_access_code_pool=True,
    )
    code.seam_access_code_id = f"seam-code-{slug}"  # as after its first push: Seam's events name it
    code.save(update_fields=["seam_access_code_id"])

    property = Property.objects.create(workspace=workspace, name=f"{name} house", timezone="Europe/Berlin")
    PropertySharedDoor.objects.create(workspace=workspace, property=property, device=entrance)
    unit = Unit.objects.create(
        workspace=workspace, property=property, name=f"{name} flat 1", external_id="L-1"
    )
    UnitDoor.objects.create(workspace=workspace, unit=unit, device=door)
    second_unit = Unit.objects.create(
        workspace=workspace, property=property, name=f"{name} flat 2", external_id="L-2"
    )
    booking = booking_upsert(
        workspace=workspace,
        unit=unit,
        source="pms",
        external_id=f"{slug}-B-1",
        guest_name=f"{name} guest",
        guest_phone="+49 30 555 2468",
        check_in=timezone.localdate() + dt.timedelta(days=10),
        check_out=timezone.localdate() + dt.timedelta(days=12),
    ).booking
    alert = alert_open(
        booking=booking,
        device_id=None,
        kind=Alert.Kind.STALE_UPDATE,
        message=f"{name}: an old update was ignored.",
    )
    feed = CalendarFeed.objects.create(
        workspace=workspace, unit=unit, name=f"{name} Airbnb", url=f"https://example.com/{slug}.ics"
    )

    token, _ = api_token_create(workspace=workspace, name=f"{name} PMS sync")
    endpoint, _ = webhook_endpoint_create(workspace=workspace, url=f"https://example.com/{slug}/hooks")
    delivery = WebhookDelivery.objects.create(
        workspace=workspace,
        endpoint=endpoint,
        event_id=f"msg_{slug}",
        event_type="booking.codes_ready",
        payload={},
    )
    seam_endpoint = seam_webhook_endpoint_set(workspace=workspace)
    seam_event = SeamEvent.objects.create(
        workspace=workspace,
        seam_event_id=str(uuid.uuid4()),
        event_type="device.disconnected",
        payload={"device_id": door.seam_device_id},
        via="webhook",
        outcome="failed",
        error=f"{name} failure",
    )
    source, hook_path, hook_secret = booking_source_create(workspace=workspace, name=f"{name} PMS")
    hook_delivery = BookingHookDelivery.objects.create(
        workspace=workspace,
        source=source,
        webhook_id=f"msg_hook_{slug}",
        body="{}",
        event_type="booking.created",
    )
    return SimpleNamespace(
        workspace=workspace,
        slug=slug,
        users=users,
        member=Membership.objects.get(workspace=workspace, user=member_user),
        newcomer=make_user(f"{slug}-newcomer"),  # has an account, belongs to no workspace
        account=account,
        entrance=entrance,
        door=door,
        spare_door=spare_door,
        sync_run=sync_run,
        access_code=code,
        property=property,
        unit=unit,
        second_unit=second_unit,
        booking=booking,
        alert=alert,
        feed=feed,
        token=token,
        endpoint=endpoint,
        delivery=delivery,
        seam_endpoint=seam_endpoint,
        seam_event=seam_event,
        source=source,
        hook_path=hook_path,
        hook_secret=hook_secret,
        hook_delivery=hook_delivery,
    )


def world_fixture():
    """A module-scoped fixture: `(alpha, bravo)`, built once and rolled back after the module's tests."""

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            yield build_workspace("alpha", "Alpha Rentals"), build_workspace("bravo", "Bravo Hotels")
            transaction.set_rollback(True)

    return world
