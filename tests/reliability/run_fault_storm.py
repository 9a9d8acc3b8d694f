"""The fault storm at full size, with a real WSGI server and real workers:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/reliability/run_fault_storm.py

1,000 bookings over 200 units (two doors each, 50 unit doors offline-only) through signed booking hooks
to gunicorn (two workers), while the Seam sandbox fails 20% of the access-code calls (503, 429 with
Retry-After, answers lost after processing, answers later than the client waits); then 300 date changes
and 200 cancellations; a Django-Q2 cluster with two workers does the work. Prints codes expected /
found / duplicated / lost / stuck / left on locks, the time to converge and the 429s answered, and exits
non-zero unless all the counts that must be zero are. Works in a scratch database (TEST_DATABASE_NAME,
default `test_fault_storm`, dropped at the end). Not collected by pytest.

Killed processes: `--kill-worker-every 20 --kill-web-every 60` has a supervisor kill the Django-Q2
cluster and gunicorn with SIGKILL on those periods (and start them again) while the hooks arrive, one
every `--pace` seconds; the booking system sends again a delivery that got no answer.

Scale-out: with REDIS_URL set (the Django-Q2 broker moves to Redis), `--processes 2` runs two gunicorns
and two Django-Q2 clusters on the one database; the hooks go to each gunicorn in turn. Besides the
zeros it prints the lease counters: how often a worker found a code's lease held by another worker and
left the code to it, and how many Seam writes were made, against the codes that needed them.

    REDIS_URL=redis://127.0.0.1:6379/3 DATABASE_URL=... .venv/bin/python tests/reliability/run_fault_storm.py --processes 2"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).resolve().parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_fault_storm")
os.environ.setdefault("SEAM_ALLOW_HTTP_LOOPBACK", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django_q.brokers import get_broker  # noqa: E402
from server_processes import (  # noqa: E402
    Supervised,
    Supervisor,
    free_port,
    gunicorn_command,
    qcluster_command,
    server_env,
    stop,
    wait_for_web,
)
from storm import (  # noqa: E402
    STORM_WORKER_ENV,
    StormSize,
    storm_faults_start,
    storm_faults_stop,
    storm_push,
    storm_referee,
    storm_stuck,
    storm_wait,
    storm_world,
)

from accesscodes.models import AccessCode, AccessCodeEvent  # noqa: E402
from portal.seam.sandbox import SandboxServer  # noqa: E402
from portal.services import workspace_create  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--offline-units", type=int, default=50)
    parser.add_argument("--bookings", type=int, default=1_000)
    parser.add_argument("--date-changes", type=int, default=300)
    parser.add_argument("--cancellations", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=2, help="Django-Q2 workers")
    parser.add_argument("--pace", type=float, default=0, help="seconds between two hooks")
    parser.add_argument("--kill-worker-every", type=float, default=0, help="seconds; 0 = never")
    parser.add_argument("--kill-web-every", type=float, default=0, help="seconds; 0 = never")
    parser.add_argument("--deadline", type=float, default=1800, help="seconds allowed to converge")
    parser.add_argument("--processes", type=int, default=1, help="gunicorns and Django-Q2 clusters, each")
    options = parser.parse_args()
    size = StormSize(
        units=options.units, offline_units=options.offline_units, bookings=options.bookings,
        date_changes=options.date_changes, cancellations=options.cancellations, fault_rate=options.fault_rate,
    )  # fmt: skip

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    sandbox = SandboxServer(host="127.0.0.1", port=0).start()
    logs = Path(tempfile.mkdtemp(prefix="fault-storm-"))
    webs, workers = [], []
    try:
        api_key = "seam_test_fault_storm_0001"
        sandbox.create_workspace(api_key=api_key, name="Fault storm", demo_devices=False)
        workspace = workspace_create(
            name="Storm", slug="storm", seam_api_key=api_key, seam_api_url=sandbox.url
        )
        world = storm_world(seam_sandbox=sandbox, workspace=workspace, size=size)
        # INFO: the lease counters are read from the clusters' logs.
        env = server_env(**STORM_WORKER_ENV, Q_WORKERS=str(options.workers), LOG_LEVEL="INFO")
        if settings.REDIS_URL:
            get_broker().purge_queue()  # tasks a previous run left in Redis belong to its database
        webs, workers, base_urls = [], [], []
        for number in range(1, options.processes + 1):
            port = free_port()
            base_urls.append(f"http://127.0.0.1:{port}")
            webs.append(Supervised(f"gunicorn {number}", gunicorn_command(port), env,
                                   logs / f"gunicorn-{number}.log", kill_every=options.kill_web_every))  # fmt: skip
            workers.append(Supervised(f"Django-Q2 cluster {number}", qcluster_command(), env,
                                      logs / f"qcluster-{number}.log", kill_every=options.kill_worker_every))  # fmt: skip
        supervisor = Supervisor([*webs, *workers])
        for web, base_url in zip(webs, base_urls, strict=True):
            web.start()
            wait_for_web(base_url, web.process)
        faults = storm_faults_start(seam_sandbox=sandbox, world=world, rate=size.fault_rate)
        try:
            for worker in workers:
                worker.start()
            started = time.monotonic()
            supervisor.start_killing()
            try:
                redelivered = storm_push(base_url=base_urls, world=world, size=size, pace=options.pace)
            finally:
                supervisor.stop_killing()
            print(f"{size.bookings} bookings, {size.date_changes} date changes and {size.cancellations} "
                  f"cancellations pushed in {time.monotonic() - started:.0f} s; "
                  f"{supervisor.kills()}; hooks sent again: {redelivered}")  # fmt: skip
            seconds = time.monotonic() - started
            seconds += storm_wait(
                worker=workers[0], world=world, size=size, deadline_seconds=options.deadline
            )
        finally:
            rate_limited = storm_faults_stop(seam_sandbox=sandbox, fault_ids=faults)
        report = storm_referee(seam_sandbox=sandbox, world=world, rate_limited=rate_limited, seconds=seconds)
        broker = "Redis" if settings.REDIS_URL else "ORM"
        print(f"units {size.units} ({size.offline_units} offline-only unit doors), fault rate {size.fault_rate:.0%}, "
              f"{options.processes} x (gunicorn with 2 workers, Django-Q2 cluster with {options.workers} "
              f"workers), {broker} broker; logs in {logs}")  # fmt: skip
        print(f"  leases: {lease_counters(world=world, logs=logs)}")
        for line in [*report.lines(), *storm_stuck(world=world)[:20]]:
            print("  " + line)
        print(f"  goal 0 duplicated, 0 lost, 0 stuck: {'met' if report.holds else 'NOT met'}")
        return 0 if report.holds else 1
    finally:
        for process in [*workers, *webs]:
            stop(process.process)
        sandbox.stop()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def lease_counters(*, world, logs: Path) -> str:
    """How often a worker found a code busy (another held its lease), from the clusters' logs, and the
    Seam writes the codes' events record."""
    busy = sum(log.read_text().count("another worker holds its lease") for log in logs.glob("qcluster-*.log"))
    creates_and_changes = (
        AccessCodeEvent.objects.for_workspace(world.workspace).filter(kind__in=["sent", "linked"]).count()
    )
    codes = AccessCode.objects.for_workspace(world.workspace).count()
    return (
        f"{busy} times a code was busy and left to the worker holding it; {creates_and_changes} creates "
        f"and changes that reached Seam for {codes} codes"
    )


if __name__ == "__main__":
    sys.exit(main())
