import datetime as dt

import pytest
from django.urls import reverse

from accesscodes.models import AccessCode
from accesscodes.services import access_code_create
from portal.models import Role, Workspace
from portal.services import membership_set


@pytest.fixture
def codes_in_both(two_workspaces, make_device):
    workspace_a, workspace_b = two_workspaces
    device_a = make_device(workspace_a, name="Alpha door")
    device_b = make_device(workspace_b, name="Bravo door")
    code_a = access_code_create(workspace=workspace_a, device=device_a, name="Alpha guest", code="4821")
    code_b = access_code_create(workspace=workspace_b, device=device_b, name="Bravo guest", code="4821")
    return code_a, code_b


def test_changelist_and_device_filter_are_scoped(alice_client, codes_in_both):
    response = alice_client.get(reverse("admin:accesscodes_accesscode_changelist"))
    assert response.status_code == 200
    assert b"Alpha guest" in response.content
    assert b"Bravo guest" not in response.content
    assert b"Alpha door" in response.content  # in the device filter
    assert b"Bravo door" not in response.content


def test_other_workspace_code_change_page_is_not_reachable(alice_client, codes_in_both):
    _, code_b = codes_in_both
    response = alice_client.get(reverse("admin:accesscodes_accesscode_change", args=[code_b.pk]), follow=True)
    assert b"Bravo guest" not in response.content


def test_add_form_device_choices_are_scoped(alice_client, codes_in_both):
    response = alice_client.get(reverse("admin:accesscodes_accesscode_add"))
    devices = response.context["adminform"].form.fields["device"].queryset
    assert [device.name for device in devices] == ["Alpha door"]


def test_admin_add_runs_the_provider_rules(alice_client, codes_in_both):
    code_a, _ = codes_in_both
    response = alice_client.post(
        reverse("admin:accesscodes_accesscode_add"),
        {"device": code_a.device_id, "name": "Dup", "code": "4821", "max_time_rounding": "1hour"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert AccessCode.objects.for_workspace(code_a.workspace).count() == 1


def test_admin_add_goes_through_the_service(alice_client, codes_in_both, alice):
    code_a, _ = codes_in_both
    response = alice_client.post(
        reverse("admin:accesscodes_accesscode_add"),
        {"device": code_a.device_id, "name": "From admin", "code": "5931", "max_time_rounding": "1hour"},
    )
    assert response.status_code == 302
    created = AccessCode.objects.for_workspace(code_a.workspace).get(name="From admin")
    assert created.created_by == alice
    assert created.sync_state == AccessCode.SyncState.PENDING_CREATE


def test_admin_cannot_post_a_device_of_another_workspace(alice_client, codes_in_both):
    _, code_b = codes_in_both
    response = alice_client.post(
        reverse("admin:accesscodes_accesscode_add"),
        {"device": code_b.device_id, "name": "Sneaky", "code": "5931", "max_time_rounding": "1hour"},
    )
    assert response.status_code == 200
    assert "device" in response.context["adminform"].form.errors
    assert AccessCode.objects.for_workspace(code_b.workspace).count() == 1


def test_retry_and_delete_actions_use_the_services(alice_client, codes_in_both):
    code_a, code_b = codes_in_both
    changelist = reverse("admin:accesscodes_accesscode_changelist")
    alice_client.post(
        changelist, {"action": "delete_through_seam", "_selected_action": [code_a.pk, code_b.pk]}
    )
    code_a.refresh_from_db()
    code_b.refresh_from_db()
    assert code_a.sync_state == AccessCode.SyncState.REMOVED  # never reached Seam
    assert code_b.sync_state == AccessCode.SyncState.PENDING_CREATE  # not Alice's: untouched


def test_viewer_cannot_change_codes_in_admin(client, codes_in_both, member):
    code_a, _ = codes_in_both
    viewer = member(code_a.workspace, Role.VIEWER)
    client.force_login(viewer)
    change_url = reverse("admin:accesscodes_accesscode_change", args=[code_a.pk])
    assert client.get(change_url).status_code == 200  # read-only view
    client.post(change_url, {"name": "Changed", "max_time_rounding": "1hour"})
    code_a.refresh_from_db()
    assert code_a.name == "Alpha guest"
    assert client.get(reverse("admin:accesscodes_accesscode_add")).status_code == 403


# -- every action checks the role in each selected code's workspace ----------------------------------


@pytest.fixture
def manager_in_a_viewer_in_b(client, codes_in_both, make_user):
    code_a, code_b = codes_in_both
    user = make_user("mallory")
    membership_set(workspace=code_a.workspace, user=user, role=Role.MANAGER)
    membership_set(workspace=code_b.workspace, user=user, role=Role.VIEWER)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "action, done",
    [("retry_sync", "Retry queued: 1 code(s)."), ("delete_through_seam", "Deletion queued: 1 code(s).")],
)
def test_actions_refuse_codes_of_workspaces_where_the_user_only_views(
    manager_in_a_viewer_in_b, codes_in_both, action, done
):
    code_a, code_b = codes_in_both
    AccessCode.objects.for_workspace(code_b.workspace).filter(pk=code_b.pk).update(
        sync_state=AccessCode.SyncState.FAILED
    )
    response = manager_in_a_viewer_in_b.post(
        reverse("admin:accesscodes_accesscode_changelist"),
        {"action": action, "_selected_action": [code_a.pk, code_b.pk]},
        follow=True,
    )
    code_b.refresh_from_db()
    assert code_b.sync_state == AccessCode.SyncState.FAILED  # neither retried nor deleted
    messages = [str(message) for message in response.context["messages"]]
    assert any("Bravo guest" in message and "only view" in message for message in messages)
    assert done in messages  # Alpha's code, where the user is a manager, was done


# -- times: in the code's workspace zone, named ------------------------------------------------------


@pytest.fixture
def paris(codes_in_both):
    code_a, _ = codes_in_both
    Workspace.objects.filter(pk=code_a.workspace_id).update(timezone="Europe/Paris")
    return code_a


def test_add_reads_typed_times_in_the_locks_workspace_zone(alice_client, paris):
    response = alice_client.post(
        reverse("admin:accesscodes_accesscode_add"),
        {
            "device": paris.device_id,
            "name": "Summer guest",
            "code": "5931",
            "max_time_rounding": "1hour",
            "starts_at_0": "2030-06-01",
            "starts_at_1": "10:00:00",
            "ends_at_0": "2030-06-03",
            "ends_at_1": "11:00:00",
        },
    )
    assert response.status_code == 302
    created = AccessCode.objects.for_workspace(paris.workspace_id).get(name="Summer guest")
    assert created.starts_at == dt.datetime(2030, 6, 1, 8, 0, tzinfo=dt.UTC)  # 10:00 in Paris (UTC+2)
    assert created.ends_at == dt.datetime(2030, 6, 3, 9, 0, tzinfo=dt.UTC)


def test_change_page_shows_and_names_the_workspace_zone(alice_client, paris):
    set_times(
        paris, dt.datetime(2030, 6, 1, 8, 0, tzinfo=dt.UTC), dt.datetime(2030, 6, 2, 8, 0, tzinfo=dt.UTC)
    )
    response = alice_client.get(reverse("admin:accesscodes_accesscode_change", args=[paris.pk]))
    form = response.context["adminform"].form
    assert "Europe/Paris" in form.fields["starts_at"].help_text
    assert b'name="starts_at_1" value="10:00:00"' in response.content


def test_changelist_shows_each_code_in_its_workspace_zone(alice_client, paris):
    set_times(
        paris, dt.datetime(2030, 6, 1, 8, 0, tzinfo=dt.UTC), dt.datetime(2030, 6, 2, 8, 0, tzinfo=dt.UTC)
    )
    response = alice_client.get(reverse("admin:accesscodes_accesscode_changelist"))
    assert b"2030-06-01 10:00 Europe/Paris" in response.content


def test_a_date_at_the_end_of_the_calendar_still_renders(alice_client, paris):
    # A code found on a lock can carry any date; Paris cannot show 9999-12-31 23:30 UTC.
    set_times(
        paris, dt.datetime(9999, 12, 30, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC)
    )
    changelist = alice_client.get(reverse("admin:accesscodes_accesscode_changelist"))
    assert changelist.status_code == 200
    assert b"9999-12-31 23:30 UTC" in changelist.content
    change = alice_client.get(reverse("admin:accesscodes_accesscode_change", args=[paris.pk]))
    assert change.status_code == 200
    assert "In UTC" in change.context["adminform"].form.fields["ends_at"].help_text


def set_times(access_code, starts_at, ends_at):
    AccessCode.objects.for_workspace(access_code.workspace_id).filter(pk=access_code.pk).update(
        starts_at=starts_at, ends_at=ends_at
    )
