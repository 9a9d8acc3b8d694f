"""What SeamClient puts on the wire, how it unwraps answers and pages, and that the key stays secret."""

import datetime as dt
import logging
import zoneinfo

import pytest
from scripted_server import Reply, ok, seam_error

from portal.models import Workspace
from portal.seam import SeamAuthError, SeamClient, SeamError, SeamUnavailable, seam_client_for_workspace


def test_every_call_is_a_json_post_with_bearer_key(server, make_client, api_key):
    server.script(ok(workspace={"workspace_id": "w1"}))

    assert make_client().workspaces_get() == {"workspace_id": "w1"}

    (request,) = server.received
    assert request.path == "/workspaces/get"
    assert request.headers["Authorization"] == f"Bearer {api_key}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {}


def test_base_url_path_prefix_is_kept(server, make_client):
    server.script(ok(device={"device_id": "d1"}))

    make_client(base_url=f"{server.url}/seam/").devices_get(device_id="d1")

    assert server.received[0].path == "/seam/devices/get"


def test_datetimes_are_sent_as_utc_iso8601(server, make_client):
    server.script(ok(access_code={"access_code_id": "ac1"}))
    paris = zoneinfo.ZoneInfo("Europe/Paris")

    make_client().access_codes_create(
        device_id="d1",
        name="Guest",
        starts_at=dt.datetime(2025, 7, 1, 16, 0, tzinfo=paris),
        ends_at=dt.datetime(2025, 7, 5, 11, 0, tzinfo=dt.UTC),
    )

    assert server.received[0].body == {
        "device_id": "d1",
        "name": "Guest",
        "starts_at": "2025-07-01T14:00:00Z",
        "ends_at": "2025-07-05T11:00:00Z",
    }


def test_naive_datetimes_are_refused_before_sending(server, make_client):
    with pytest.raises(ValueError, match="naive"):
        make_client().access_codes_create(device_id="d1", starts_at=dt.datetime(2025, 1, 1))
    assert server.received == []


def test_events_list_serialises_filters(server, make_client):
    server.script(ok(events=[{"event_id": "e1"}]))
    since = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    events = make_client().events_list(since=since, device_id="d1", event_types=["lock.unlocked"], limit=20)

    assert events == [{"event_id": "e1"}]
    assert server.received[0].body == {
        "since": "2025-01-01T00:00:00Z",
        "device_id": "d1",
        "event_types": ["lock.unlocked"],
        "limit": 20,
    }


def test_update_and_delete_return_the_action_attempt_or_none(server, make_client):
    attempt = {"action_attempt_id": "aa1", "status": "pending"}
    server.script(ok(action_attempt=attempt), ok())
    client = make_client()

    assert client.access_codes_update(access_code_id="ac1", name="New") == attempt
    assert client.access_codes_update(access_code_id="ac1", name="New") is None
    assert server.received[0].body == {"access_code_id": "ac1", "name": "New"}


def _paged_devices(total: int, page_size: int):
    """A responder that pages `total` devices like Seam, checking the cursor protocol as it goes."""
    devices = [{"device_id": f"dev_{i:04d}"} for i in range(total)]

    def responder(request):
        body = dict(request.body)
        start = int(body.pop("page_cursor", "0"))
        assert body == {"limit": page_size, "manufacturer": "august"}, "params must repeat on every page"
        end = start + page_size
        more = end < total
        pagination = {"has_next_page": more, "next_page_cursor": str(end) if more else None}
        return ok(devices=devices[start:end], pagination=pagination)

    return responder


def test_devices_list_follows_cursors_across_pages(server, make_client):
    server.responder = _paged_devices(total=1203, page_size=500)

    devices = make_client().devices_list(manufacturer="august")

    assert len(devices) == 1203
    assert len({d["device_id"] for d in devices}) == 1203
    assert [r.body.get("page_cursor") for r in server.received] == [None, "500", "1000"]


def test_iter_device_pages_yields_one_list_per_page(server, make_client):
    server.responder = _paged_devices(total=25, page_size=10)

    pages = list(make_client().iter_device_pages(limit=10, manufacturer="august"))

    assert [len(page) for page in pages] == [10, 10, 5]


def test_lists_without_pagination_are_one_page(server, make_client):
    server.script(ok(access_codes=[{"access_code_id": "a"}, {"access_code_id": "b"}]))

    codes = make_client().access_codes_list(device_id="d1")

    assert [c["access_code_id"] for c in codes] == ["a", "b"]
    assert len(server.received) == 1
    assert server.received[0].body == {"device_id": "d1", "limit": 500}


def test_a_repeated_cursor_stops_pagination(server, make_client):
    server.script(
        ok(devices=[{"device_id": "x"}], pagination={"has_next_page": True, "next_page_cursor": "c"})
    )

    with pytest.raises(SeamError) as caught:
        make_client().devices_list()

    assert caught.value.type == "pagination_loop"
    assert len(server.received) == 2


def test_api_key_never_shows_in_repr_errors_or_logs(server, make_client, api_key, caplog, closed_port_url):
    caplog.set_level(logging.DEBUG)
    # A hostile or buggy server echoing the credential must not get it into our exception text.
    server.script(seam_error(401, "unauthorized", f"Bad key {api_key}"))
    client = make_client()

    with pytest.raises(SeamAuthError) as auth_failure:
        client.devices_list()
    with pytest.raises(SeamUnavailable) as network_failure:
        make_client(base_url=closed_port_url, max_retries=1).devices_list()

    for error in (auth_failure.value, network_failure.value):
        assert api_key not in str(error)
        assert api_key not in repr(error)
        assert api_key not in repr(error.__cause__)
    assert "[redacted]" in auth_failure.value.message
    assert api_key not in repr(client)
    assert api_key not in caplog.text
    assert any(r.name == "portal.seam" and r.seam_status == 401 for r in caplog.records)


def test_each_attempt_is_logged_with_route_status_attempt_and_duration(server, make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="portal.seam")
    server.script(Reply(503), ok(device={}))

    make_client().devices_get(device_id="d1")

    records = [r for r in caplog.records if r.name == "portal.seam"]
    assert [(r.seam_route, r.seam_status, r.seam_attempt) for r in records] == [
        ("devices/get", 503, 1),
        ("devices/get", 200, 2),
    ]
    assert all(r.seam_ms >= 0 for r in records)
    assert records[0].levelno == logging.WARNING


def test_defaults_come_from_settings(settings):
    settings.SEAM_API_URL = "http://127.0.0.1:9/"
    settings.SEAM_CONNECT_TIMEOUT = 1.5
    settings.SEAM_READ_TIMEOUT = 7.0
    settings.SEAM_MAX_RETRIES = 4
    settings.SEAM_BACKOFF_BASE = 0.25

    with SeamClient(api_key="seam_x") as client:
        assert client.base_url == "http://127.0.0.1:9"
        assert (client.connect_timeout, client.read_timeout) == (1.5, 7.0)
        assert (client.max_retries, client.backoff_base) == (4, 0.25)


def test_client_for_workspace_uses_its_key_and_url(server, api_key):
    server.script(ok(workspace={"workspace_id": "w1"}))
    workspace = Workspace(name="Tenant", slug="tenant", seam_api_key=api_key, seam_api_url=server.url)

    with seam_client_for_workspace(workspace, max_retries=0) as client:
        client.workspaces_get()

    assert server.received[0].headers["Authorization"] == f"Bearer {api_key}"


def test_closed_client_refuses_requests(make_client):
    client = make_client()
    client.close()

    with pytest.raises(RuntimeError):
        client.workspaces_get()
