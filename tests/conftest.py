import functools

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from portal.models import Role
from portal.services import membership_set, workspace_create


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            "The test suite runs on PostgreSQL: set DATABASE_URL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (README's test command does this)."
        )


@pytest.fixture
def make_user(db):
    def make(username, *, staff=True, superuser=False):
        return get_user_model().objects.create_user(
            username=username, password="pw-for-tests-only", is_staff=staff, is_superuser=superuser
        )

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def workspace_a(alice):
    return workspace_create(
        name="Alpha Rentals", slug="alpha", seam_api_key="seam_test_alpha_key_000", owner=alice
    )


@pytest.fixture
def workspace_b(bob):
    return workspace_create(
        name="Bravo Hotels", slug="bravo", seam_api_key="seam_test_bravo_key_000", owner=bob
    )


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


# Capability defaults per brand, as the sandbox's demo devices report them.
BRAND_DEVICE_DEFAULTS = {
    "igloohome": {"can_program_offline_access_codes": True},
    "ultraloq": {"can_program_online_access_codes": True, "timezone": "America/Los_Angeles"},
    "lockly": {"can_program_online_access_codes": True, "can_program_offline_access_codes": True},
    "august": {"can_program_online_access_codes": True, "supported_code_lengths": [4, 5, 6]},
}


@pytest.fixture
def make_device():
    """A Device row written directly, for tests that do not need Seam."""
    from devices.models import Device

    counter = iter(range(1, 100_000))

    def make(workspace, manufacturer="august", **fields):
        number = next(counter)
        defaults = {
            "seam_device_id": f"device-{workspace.slug}-{number}",
            "name": f"{workspace.name} door {number}",
            "manufacturer": manufacturer,
            "model": "Smart Lock Pro",
            "online": True,
            "battery_level": 0.9,
            **BRAND_DEVICE_DEFAULTS.get(manufacturer, {"can_program_online_access_codes": True}),
        }
        return Device.objects.create(workspace=workspace, **{**defaults, **fields})

    return make


@pytest.fixture
def two_workspaces(workspace_a, workspace_b):
    """Alice owns A, Bob owns B: the fixture every tenancy test starts from."""
    return workspace_a, workspace_b


@pytest.fixture
def member(make_user):
    def make(workspace, role=Role.VIEWER, username=None):
        user = make_user(username or f"{role}-{workspace.slug}")
        membership_set(workspace=workspace, user=user, role=role)
        return user

    return make


@pytest.fixture(scope="session")
def seam_sandbox():
    """The project's own Seam sandbox over real HTTP on 127.0.0.1, one per test session."""
    from portal.seam.sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox_workspace(db, seam_sandbox, make_user):
    """A workspace whose Seam is the sandbox, with a fresh sandbox-side workspace full of demo devices."""
    counter = iter(range(1, 1000))

    def make(slug=None, owner=None, demo_devices=True):
        import uuid

        slug = slug or f"sandbox-{next(counter)}"
        api_key = f"seam_test_{uuid.uuid4().hex}"
        seam_sandbox.create_workspace(api_key=api_key, name=slug, demo_devices=demo_devices)
        return workspace_create(
            name=slug.title(), slug=slug, seam_api_key=api_key, seam_api_url=seam_sandbox.url, owner=owner
        )

    return make


WORKER_DEADLINE_SECONDS = 150


def _wait_for_worker(worker, describe, condition, seconds=WORKER_DEADLINE_SECONDS) -> None:
    """Until `condition()` holds, while the cluster runs; on timeout, `describe()` and the cluster's log."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, "the Django-Q2 cluster exited"
        assert time.monotonic() < deadline, f"timed out waiting: {describe()}\n{worker.output()[-3000:]}"
        time.sleep(1)


@pytest.fixture
def django_q_worker(transactional_db, tmp_path):
    """A real Django-Q2 cluster (`manage.py qcluster`, ORM broker) on the test database.

    Call the fixture's value to start one; each is stopped, with its worker children, at the end. Its
    output goes to a file (a pipe nobody reads would fill up and stall it); `worker.output()` reads it.
    """
    from server_processes import qcluster_command, server_env, start, stop

    env = server_env(Q_WORKERS="1", Q_SYNC="0")
    workers = []

    def start_one():
        log_path = tmp_path / f"qcluster-{len(workers)}.log"
        worker = start(qcluster_command(), env, log_path)
        worker.output = lambda: log_path.read_text(errors="replace")
        worker.wait_until = functools.partial(_wait_for_worker, worker)
        workers.append(worker)
        return worker

    yield start_one
    for worker in workers:
        # A cluster that has run a while can take long to wind down; the test is over anyway.
        stop(worker, grace=5)
