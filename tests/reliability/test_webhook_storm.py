"""The webhook storm, reduced for CI: a busy Seam workspace's history (codes set, scheduled, failing,
changed outside Seam, moved and deleted; locks going offline and back; guests opening doors) reaches one
portal workspace as Seam webhooks over real HTTP, 30% of them twice, in shuffled order, among forged
deliveries with bad signatures (1%), while the same events also arrive through `events/list` polling; a
real Django-Q2 worker applies them. The end state equals that of a twin workspace that got each event
once, in order; every forged delivery is answered 401 and stored nowhere.

Full size (about 10,000 events; figures printed with `-s`):
`WEBHOOK_STORM_CODES_PER_DOOR=850 ./dev test tests/reliability/test_webhook_storm.py -s`."""

import base64
import json
import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection
from django.utils import timezone
from svix.webhooks import Webhook

from devices.services import device_sync
from portal.hooks.endpoints import endpoint_url, seam_webhook_endpoint_set
from portal.hooks.polling import seam_events_poll
from portal.models import SeamEvent
from portal.services import workspace_create
from tests.events.scenario import busy_seam_history
from tests.events.test_seam_event_ordering import deliver_all, final_state, mirror

pytestmark = pytest.mark.django_db(transaction=True)

# About 12 events per code (4 doors): 100 gives the CI size, about 1,200 events.
CODES_PER_DOOR = int(os.environ.get("WEBHOOK_STORM_CODES_PER_DOOR", "100"))
DUPLICATED_SHARE = 0.3
FORGED_SHARE = 0.01


def seam_deliveries(events, *, secret: str, rng: random.Random) -> tuple[list[tuple[bytes, dict]], set[str]]:
    """Each event once, 30% of them again (a new attempt, a new signature, as Seam retries), and forged
    events with ids of their own signed with a wrong secret; shuffled. Returns them and the forged ids."""
    signed = [*events, *rng.sample(events, round(DUPLICATED_SHARE * len(events)))]
    wrong_secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    forged = [
        {**rng.choice(events), "event_id": str(uuid.uuid4())}
        for _ in range(max(1, round(FORGED_SHARE * len(signed))))
    ]
    deliveries = [(event, secret) for event in signed] + [(event, wrong_secret) for event in forged]
    rng.shuffle(deliveries)
    return [_signed(event, with_secret) for event, with_secret in deliveries], {
        event["event_id"] for event in forged
    }


def _signed(event: dict, secret: str) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    msg_id, at = f"msg_{uuid.uuid4().hex}", timezone.now()
    return body, {
        "svix-id": msg_id,
        "svix-timestamp": str(int(at.timestamp())),
        "svix-signature": Webhook(secret).sign(msg_id, at, body.decode()),
        "content-type": "application/json",
    }


def post_all(url: str, deliveries, *, threads: int = 4) -> dict[int, int]:
    local = threading.local()

    def post(delivery):
        body, headers = delivery
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=30)
        return client.post(url, content=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = list(pool.map(post, deliveries))
    return {status: statuses.count(status) for status in set(statuses)}


def test_a_webhook_storm_ends_as_each_event_once_in_order(
    sandbox_workspace, seam_sandbox, django_q_worker, live_server
):
    seam_sandbox.configure(rate_limits_enabled=False)
    try:
        in_order = sandbox_workspace()
        events, created = busy_seam_history(seam_sandbox, in_order, codes_per_door=CODES_PER_DOOR)
    finally:
        seam_sandbox.configure(rate_limits_enabled=True)
    stormed = workspace_create(
        name="Stormed", slug="stormed", seam_api_key=in_order.seam_api_key, seam_api_url=in_order.seam_api_url
    )
    seam_codes = [seam_code for _, seam_code in created]
    for workspace in (in_order, stormed):
        assert device_sync(workspace=workspace).status == "succeeded"
        mirror(workspace, seam_codes)
    deliver_all(in_order, events)
    endpoint = seam_webhook_endpoint_set(workspace=stormed)
    deliveries, forged_ids = seam_deliveries(events, secret=endpoint.secret, rng=random.Random(20261207))
    assert len(events) >= 12 * CODES_PER_DOOR and len(deliveries) >= 1.3 * len(events)

    worker = django_q_worker()
    started = time.monotonic()
    half = len(deliveries) // 2
    statuses = post_all(endpoint_url(endpoint, public_url=live_server.url), deliveries[:half])
    # The same events through polling, in the middle of the storm, as a workspace without webhooks reads.
    poller = threading.Thread(target=_poll, args=(stormed,))
    poller.start()
    for status, count in post_all(
        endpoint_url(endpoint, public_url=live_server.url), deliveries[half:]
    ).items():
        statuses[status] = statuses.get(status, 0) + count
    poller.join()
    delivered = time.monotonic() - started

    inbox = SeamEvent.objects.for_workspace(stormed)
    worker.wait_until(
        lambda: (inbox.count(), len(events), inbox.filter(outcome="pending").count()),
        lambda: inbox.count() == len(events) and not inbox.filter(outcome="pending").exists(),
        # The worker applies about 25 events a second on a loaded 2-core machine.
        seconds=max(150, len(events) / 10),
    )
    print(
        f"\n{len(events)} Seam events; {len(deliveries)} deliveries ({len(forged_ids)} forged) posted and the "
        f"events polled in {delivered:.0f} s; every event applied {time.monotonic() - started:.0f} s after "
        f"the first delivery; answers {dict(sorted(statuses.items()))}"
    )
    assert statuses == {200: len(deliveries) - len(forged_ids), 401: len(forged_ids)}
    assert not SeamEvent.objects.dangerously_all_workspaces().filter(seam_event_id__in=forged_ids).exists()
    assert set(inbox.values_list("via", flat=True)) == {"webhook", "poll"}
    assert set(inbox.values_list("outcome", flat=True)) <= {"applied", "ignored"}
    expected, got = final_state(in_order), final_state(stormed)
    assert got[0] == expected[0]  # every code's status, sync state, schedule, errors, warnings, PIN
    assert got[1] == expected[1]  # every lock's online state and errors
    assert got[2] == expected[2]  # every unlock, once
    assert len(expected[2]) > 0


def _poll(workspace) -> None:
    try:
        seam_events_poll(workspace=workspace)
    finally:
        connection.close()
