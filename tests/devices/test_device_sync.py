"""device_sync against the Seam sandbox over real HTTP, on real PostgreSQL."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models.expressions import RawSQL

from devices import seam_mapping, services
from devices.models import ConnectedAccount, Device, SyncRun
from devices.services import device_sync
from portal.seam import SeamClient, seam_client_for_workspace
from portal.services import workspace_create


def seam_devices(workspace) -> dict[str, dict]:
    with seam_client_for_workspace(workspace) as client:
        return {device["device_id"]: device for device in client.devices_list()}


def devices_of(workspace):
    return Device.objects.for_workspace(workspace)


def test_first_sync_mirrors_every_demo_device(sandbox_workspace):
    workspace = sandbox_workspace()
    upstream = seam_devices(workspace)
    sync_run = device_sync(workspace=workspace)

    assert sync_run.status == SyncRun.Status.SUCCEEDED, sync_run.error_message
    assert sync_run.finished_at is not None
    assert (sync_run.devices_seen, sync_run.devices_created, sync_run.devices_updated) == (
        len(upstream),
        len(upstream),
        0,
    )
    assert sync_run.devices_removed == 0
    assert sync_run.accounts_seen == ConnectedAccount.objects.for_workspace(workspace).count() > 0
    local = {
        device.seam_device_id: device for device in devices_of(workspace).select_related("connected_account")
    }
    assert set(local) == set(upstream)
    for device_id, seam_device in upstream.items():
        device, properties = local[device_id], seam_device["properties"]
        assert device.name == seam_device["display_name"]
        assert device.manufacturer == properties["manufacturer"]
        assert device.model == properties["model"]["display_name"]
        assert device.online == properties["online"]
        assert device.locked == properties["locked"]
        assert device.battery_level == properties["battery_level"]
        assert device.can_program_online_access_codes == seam_device["can_program_online_access_codes"]
        assert device.can_program_offline_access_codes == seam_device["can_program_offline_access_codes"]
        assert device.capabilities_supported == seam_device["capabilities_supported"]
        assert device.supported_code_lengths == properties["supported_code_lengths"]
        assert device.max_active_codes_supported == properties.get("max_active_codes_supported")
        assert device.code_constraints == properties.get("code_constraints", [])
        assert device.properties == properties
        assert device.warnings == seam_device["warnings"]
        assert device.errors == seam_device["errors"]
        assert device.connected_account.seam_connected_account_id == seam_device["connected_account_id"]
        assert device.last_changed_at == sync_run.started_at
        assert device.removed_at is None
        assert len(device.content_hash) == 32


def test_brand_specific_fields(sandbox_workspace):
    workspace = sandbox_workspace()
    device_sync(workspace=workspace)
    by_name = {device.name: device for device in devices_of(workspace)}
    # Ultraloq: the lock's own zone comes from its metadata; unknown zone → blank plus Seam's warning.
    assert by_name["Garden Cottage Side Door"].timezone == "America/Los_Angeles"
    garage = by_name["Garden Cottage Garage Entry"]
    assert garage.timezone == ""
    assert "ultraloq_time_zone_unknown" in garage.warning_codes
    # Other brands use the location's zone.
    assert by_name["Lakehouse Back Door"].timezone == "America/Denver"
    # Offline-code brands keep what code generation needs.
    igloo = by_name["Unit 4B Front Door"]
    assert igloo.manufacturer == "igloohome"
    assert igloo.can_program_offline_access_codes
    assert igloo.online is False
    oracode = by_name["Harbor View Room 204"]
    assert oracode.properties["dormakaba_oracode_metadata"]["predefined_time_slots"]


def row_versions(workspace) -> dict[str, str]:
    """PostgreSQL's xmin of each device row: it changes whenever the row is written, even to equal values."""
    versions = devices_of(workspace).annotate(row_version=RawSQL("xmin::text", ()))
    return dict(versions.values_list("seam_device_id", "row_version"))


def test_resync_updates_only_the_changed_device_in_place(sandbox_workspace, sandbox_control):
    workspace = sandbox_workspace()
    first = device_sync(workspace=workspace)
    changed = devices_of(workspace).get(name="Unit 2A Front Door")
    ids_before = dict(devices_of(workspace).values_list("seam_device_id", "pk"))
    versions_before = row_versions(workspace)
    sandbox_control(
        "devices/update", api_key=workspace.seam_api_key, device_id=changed.seam_device_id, online=False
    )

    second = device_sync(workspace=workspace)

    assert second.status == SyncRun.Status.SUCCEEDED, second.error_message
    assert (second.devices_seen, second.devices_created, second.devices_updated) == (first.devices_seen, 0, 1)
    assert dict(devices_of(workspace).values_list("seam_device_id", "pk")) == ids_before
    changed.refresh_from_db()
    assert changed.online is False
    assert changed.last_changed_at == second.started_at
    versions_after = row_versions(workspace)
    assert {
        device_id for device_id in ids_before if versions_after[device_id] != versions_before[device_id]
    } == {changed.seam_device_id}
    unchanged = devices_of(workspace).exclude(pk=changed.pk)
    assert set(unchanged.values_list("last_changed_at", flat=True)) == {first.started_at}


def test_resync_without_changes_writes_no_device_row(sandbox_workspace):
    workspace = sandbox_workspace()
    first = device_sync(workspace=workspace)
    versions_before = row_versions(workspace)

    second = device_sync(workspace=workspace)

    assert second.status == SyncRun.Status.SUCCEEDED, second.error_message
    assert (second.devices_seen, second.devices_created, second.devices_updated, second.devices_removed) == (
        first.devices_seen,
        0,
        0,
        0,
    )
    assert row_versions(workspace) == versions_before


def test_integers_beyond_64_bits_are_stored_and_fingerprinted(sandbox_workspace, sandbox_control):
    """orjson refuses them; the sync falls back to the standard library for those devices."""
    workspace = sandbox_workspace(demo_devices=False)
    [device_id] = sandbox_control(
        "devices/add", api_key=workspace.seam_api_key, count=1, manufacturer="yale"
    )["device_ids"]
    sandbox_control(
        "devices/update", api_key=workspace.seam_api_key, device_id=device_id, properties={"counter": 2**70}
    )

    assert device_sync(workspace=workspace).devices_created == 1
    assert devices_of(workspace).get().properties["counter"] == 2**70
    assert device_sync(workspace=workspace).devices_updated == 0
    sandbox_control(
        "devices/update",
        api_key=workspace.seam_api_key,
        device_id=device_id,
        properties={"counter": 2**70 + 1},
    )
    assert device_sync(workspace=workspace).devices_updated == 1
    assert devices_of(workspace).get().properties["counter"] == 2**70 + 1


def test_changed_mapping_rewrites_every_device_once(sandbox_workspace, monkeypatch):
    """Rows stored by an older version of the mapping code must not survive because Seam's JSON is equal."""
    workspace = sandbox_workspace()
    first = device_sync(workspace=workspace)
    monkeypatch.setattr(seam_mapping, "_MAPPING_SOURCE_DIGEST", b"the mapping code changed")

    assert device_sync(workspace=workspace).devices_updated == first.devices_seen
    assert device_sync(workspace=workspace).devices_updated == 0


def test_new_upstream_devices_are_added(sandbox_workspace, seam_sandbox):
    workspace = sandbox_workspace()
    first = device_sync(workspace=workspace)
    new_ids = seam_sandbox.add_devices(api_key=workspace.seam_api_key, count=3, manufacturer="yale")
    second = device_sync(workspace=workspace)
    assert second.devices_created == 3
    assert second.devices_seen == first.devices_seen + 3
    assert set(new_ids) <= set(devices_of(workspace).values_list("seam_device_id", flat=True))


def test_device_gone_upstream_is_marked_removed_and_comes_back(
    sandbox_workspace, seam_sandbox, sandbox_remove_device
):
    workspace = sandbox_workspace()
    device_sync(workspace=workspace)
    gone = devices_of(workspace).get(name="Suite 301 Entry")
    restore = sandbox_remove_device(workspace, gone.seam_device_id)

    removal = device_sync(workspace=workspace)

    assert removal.status == SyncRun.Status.SUCCEEDED, removal.error_message
    assert removal.devices_removed == 1
    gone.refresh_from_db()
    assert gone.removed_at is not None  # kept, with its history, only flagged
    assert gone.name == "Suite 301 Entry"
    assert devices_of(workspace).filter(removed_at__isnull=True).count() == removal.devices_seen
    # Still gone on the next run: not counted as removed again.
    assert device_sync(workspace=workspace).devices_removed == 0

    restore()
    comeback = device_sync(workspace=workspace)

    assert (comeback.devices_created, comeback.devices_updated) == (0, 1)
    gone.refresh_from_db()
    assert gone.removed_at is None
    assert devices_of(workspace).filter(seam_device_id=gone.seam_device_id).count() == 1


def test_removals_beyond_one_statements_batch_are_all_marked(
    sandbox_workspace, sandbox_remove_device, monkeypatch
):
    workspace = sandbox_workspace()
    device_sync(workspace=workspace)
    gone_ids = list(devices_of(workspace).values_list("seam_device_id", flat=True)[:3])
    for device_id in gone_ids:
        sandbox_remove_device(workspace, device_id)
    monkeypatch.setattr(services, "REMOVAL_BATCH_SIZE", 2)

    removal = device_sync(workspace=workspace)

    assert removal.devices_removed == 3
    assert set(
        devices_of(workspace).filter(removed_at__isnull=False).values_list("seam_device_id", flat=True)
    ) == set(gone_ids)


def test_bad_api_key_fails_the_run_readably(db, seam_sandbox, make_user):
    workspace = workspace_create(
        name="Wrong Key",
        slug="wrong-key",
        seam_api_key="seam_test_never_registered",
        seam_api_url=seam_sandbox.url,
    )
    sync_run = device_sync(workspace=workspace)
    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.finished_at is not None
    assert "Seam rejected the API key (401)" in sync_run.error_message
    assert "seam_test_never_registered" not in sync_run.error_message
    assert not devices_of(workspace).exists()


def test_outage_fails_the_run_and_removes_nothing(sandbox_workspace, sandbox_control, quick_seam_retries):
    workspace = sandbox_workspace()
    device_sync(workspace=workspace)
    sandbox_control("faults/set", route="*", status=503, api_key=workspace.seam_api_key)

    sync_run = device_sync(workspace=workspace)

    assert sync_run.status == SyncRun.Status.FAILED
    assert "Seam is unavailable (503)" in sync_run.error_message
    assert not devices_of(workspace).filter(removed_at__isnull=False).exists()


def test_failure_on_a_later_page_marks_nothing_removed(
    sandbox_workspace, sandbox_control, quick_seam_retries, monkeypatch
):
    """Page 1 is written (it is true data), but a run that did not see every page removes nothing."""
    workspace = sandbox_workspace()
    first = device_sync(workspace=workspace, page_limit=4)
    with seam_client_for_workspace(workspace) as client:
        first_page, *later_pages = client.iter_device_pages(limit=4)
    on_first_page = next(device["device_id"] for device in first_page if device["properties"]["online"])
    on_later_page = next(
        device["device_id"] for page in later_pages for device in page if device["properties"]["online"]
    )
    for device_id in (on_first_page, on_later_page):
        sandbox_control("devices/update", api_key=workspace.seam_api_key, device_id=device_id, online=False)
    original_iter = SeamClient.iter_device_pages

    def first_page_then_outage(self, **options):
        pages = original_iter(self, **options)
        yield next(pages)
        sandbox_control("faults/set", route="devices/list", status=503, api_key=workspace.seam_api_key)
        yield from pages

    monkeypatch.setattr(SeamClient, "iter_device_pages", first_page_then_outage)
    sync_run = device_sync(workspace=workspace, page_limit=4)

    assert sync_run.status == SyncRun.Status.FAILED
    assert sync_run.devices_removed == 0
    assert devices_of(workspace).filter(removed_at__isnull=True).count() == first.devices_seen
    written = devices_of(workspace).filter(last_changed_at=sync_run.started_at)
    assert list(written.values_list("seam_device_id", "online")) == [(on_first_page, False)]
    assert devices_of(workspace).get(seam_device_id=on_later_page).online is True


def test_sync_command_prints_counts(sandbox_workspace, capsys):
    workspace = sandbox_workspace(slug="cmd-ok")
    call_command("sync_workspace", "cmd-ok")
    out = capsys.readouterr().out
    total = devices_of(workspace).count()
    assert f"{total} devices ({total} new, 0 updated, 0 removed)" in out


def test_sync_command_bad_key_exits_with_message(db, seam_sandbox):
    workspace_create(
        name="Bad", slug="cmd-bad", seam_api_key="seam_test_unknown_key", seam_api_url=seam_sandbox.url
    )
    with pytest.raises(CommandError, match=r"Seam rejected the API key \(401\)") as raised:
        call_command("sync_workspace", "cmd-bad")
    assert raised.value.returncode == 1


def test_sync_command_outage_exits_with_message(sandbox_workspace, sandbox_control, quick_seam_retries):
    workspace = sandbox_workspace(slug="cmd-outage")
    sandbox_control("faults/set", route="*", status=503, api_key=workspace.seam_api_key)
    with pytest.raises(CommandError, match=r"Seam is unavailable \(503\)"):
        call_command("sync_workspace", "cmd-outage")


def test_sync_command_unknown_slug(db):
    with pytest.raises(CommandError, match="No workspace with slug “nope”"):
        call_command("sync_workspace", "nope")
