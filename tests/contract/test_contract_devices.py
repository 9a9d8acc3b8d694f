"""Devices, workspace and connected accounts: read paths the portal's sync depends on."""

import pytest

from portal.seam import SeamAuthError, SeamClient, SeamNotFound

pytestmark = pytest.mark.contract


def test_devices_list_paginates_past_500(seam_server, seam, caplog):
    caplog.set_level("DEBUG", logger="portal.seam")

    devices = seam.devices_list()

    ids = [device["device_id"] for device in devices]
    assert len(ids) == seam_server.device_count > 500
    assert len(set(ids)) == len(ids), "a device appeared on two pages"
    pages = [r for r in caplog.records if getattr(r, "seam_route", None) == "devices/list"]
    assert len(pages) >= 2, "more than 500 devices must take more than one page at the default limit"


def test_device_pages_respect_the_limit(seam_server, seam):
    pages = list(seam.iter_device_pages(limit=200))

    assert all(len(page) <= 200 for page in pages)
    assert sum(len(page) for page in pages) == seam_server.device_count
    assert len(pages) == -(-seam_server.device_count // 200)


def test_device_get_returns_the_device(seam_server, seam):
    device_id = seam_server.fresh_lock_id()

    device = seam.devices_get(device_id=device_id)

    assert device["device_id"] == device_id
    assert isinstance(device["properties"], dict)
    assert device["can_program_online_access_codes"] is True
    assert "created_at" in device


def test_unknown_device_is_not_found_without_retry(seam):
    with pytest.raises(SeamNotFound) as caught:
        seam.devices_get(device_id="no_such_device")

    assert caught.value.status_code == 404
    assert caught.value.attempts == 1


def test_workspace_and_connected_accounts(seam):
    workspace = seam.workspaces_get()
    accounts = seam.connected_accounts_list()

    assert workspace["workspace_id"]
    assert accounts, "devices belong to connected accounts, so there must be at least one"
    account_id = accounts[0]["connected_account_id"]
    assert seam.connected_accounts_get(connected_account_id=account_id)["connected_account_id"] == account_id


def test_wrong_api_key_is_an_auth_error(seam_server):
    client = SeamClient(api_key="seam_wrong_key_000000", base_url=seam_server.url, max_retries=2)
    with client, pytest.raises(SeamAuthError) as caught:
        client.devices_list()

    assert caught.value.status_code == 401
    assert caught.value.attempts == 1
