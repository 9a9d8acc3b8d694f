"""The restore drill: lose the database, restore last night's backup, and converge with Seam again.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python tests/reliability/run_restore_drill.py

1. The portal runs (gunicorn and a Django-Q2 cluster on PostgreSQL, the Seam sandbox): bookings arrive
   through signed hooks and their codes land in Seam.
2. The backup: `pg_dump --format=custom`.
3. Life goes on after the backup: more bookings, date changes and cancellations, all in Seam too.
4. The disaster: the database is gone. `pg_restore` the backup into a fresh database and start the
   portal on it; `manage.py sync_workspace <slug>` for each workspace (a device sync, then a reconcile of
   every lock with Seam: it finds the codes made since the backup); the booking systems send again what
   they sent since the backup, and each new booking claims the codes found for it (same door, same
   name, overlapping stay): the guest's PIN is kept, nothing is created twice.
5. The sandbox referees: every confirmed booking has exactly its planned codes in Seam, once; no code of
   a cancelled or moved stay is left; nothing stuck.

Works in scratch databases (TEST_DATABASE_NAME, default `test_restore_drill`, and its `_restored` copy,
both dropped at the end). Not collected by pytest."""

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).resolve().parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_restore_drill")
os.environ.setdefault("SEAM_ALLOW_HTTP_LOOPBACK", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from hooks.hook_signing import hook_body, signed_headers  # noqa: E402
from server_processes import (  # noqa: E402
    database_url,
    free_port,
    gunicorn_command,
    qcluster_command,
    server_env,
    start,
    stop,
    wait_for_web,
)
from storm import (  # noqa: E402
    STORM_WORKER_ENV,
    StormSize,
    storm_booking_data,
    storm_referee,
    storm_stuck,
    storm_wait,
    storm_world,
)

from accesscodes.bookings.models import Booking, BookingCode  # noqa: E402
from accesscodes.models import AccessCode  # noqa: E402
from accesscodes.sync.reconcile import access_codes_reconcile  # noqa: E402
from devices.services import device_sync  # noqa: E402
from portal.seam.sandbox import SandboxServer  # noqa: E402
from portal.services import workspace_create  # noqa: E402

Hook = tuple[str, str, dict]  # webhook id, event type, data


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--offline-units", type=int, default=5)
    parser.add_argument("--before-backup", type=int, default=60, help="bookings before the backup")
    parser.add_argument("--after-backup", type=int, default=30, help="new bookings after it")
    parser.add_argument("--date-changes", type=int, default=15, help="after the backup")
    parser.add_argument("--cancellations", type=int, default=15, help="after the backup")
    parser.add_argument("--deadline", type=float, default=900, help="seconds allowed to converge")
    parser.add_argument("--keep-databases", action="store_true", help="to look at them afterwards")
    options = parser.parse_args()
    total = options.before_backup + options.after_backup
    size = StormSize(units=options.units, offline_units=options.offline_units, bookings=total,
                     date_changes=options.date_changes, cancellations=options.cancellations)  # fmt: skip

    if connection.vendor != "postgresql":
        parser.error("the drill backs up and restores PostgreSQL: set DATABASE_URL=postgres://...")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    primary_name = connection.settings_dict["NAME"]
    restored_name = f"{primary_name}_restored"
    sandbox = SandboxServer(host="127.0.0.1", port=0).start()
    logs = Path(tempfile.mkdtemp(prefix="restore-drill-"))
    processes = []
    try:
        api_key = "seam_test_restore_drill_0001"
        sandbox.create_workspace(api_key=api_key, name="Restore drill", demo_devices=False)
        workspace = workspace_create(
            name="Drill", slug="drill", seam_api_key=api_key, seam_api_url=sandbox.url
        )
        world = storm_world(seam_sandbox=sandbox, workspace=workspace, size=size)
        before, after = drill_hooks(world=world, size=size, before_backup=options.before_backup)

        base_url, processes = portal_start(logs=logs, name="primary")
        worker = processes[1]
        send(base_url=base_url, world=world, hooks=before)
        storm_wait(worker=worker, world=world, size=StormSize(units=size.units, offline_units=0,
                   bookings=options.before_backup, date_changes=0, cancellations=0),
                   deadline_seconds=options.deadline)  # fmt: skip
        dump = logs / "portal.dump"
        run(["pg_dump", "--format=custom", "--file", str(dump), database_url()])
        print(f"backup taken: {options.before_backup} bookings, "
              f"{in_seam(sandbox, world)} codes in Seam; {dump.stat().st_size // 1024} KiB")  # fmt: skip
        send(base_url=base_url, world=world, hooks=after)
        storm_wait(worker=worker, world=world, size=size, deadline_seconds=options.deadline)
        print(f"after the backup: {len(after)} hooks ({options.after_backup} new bookings, "
              f"{options.date_changes} date changes, {options.cancellations} cancellations); "
              f"{in_seam(sandbox, world)} codes in Seam")  # fmt: skip
        portal_stop(processes)

        # The disaster: the database is lost; the backup goes into a fresh one.
        run(["createdb", "--template=template0", restored_name, *connection_options()])
        run(["pg_restore", "--no-owner", "--dbname", restored_name, *connection_options(), str(dump)])
        connection.close()
        connection.settings_dict["NAME"] = restored_name
        restored = Booking.objects.for_workspace(workspace).count()
        started = time.monotonic()
        base_url, processes = portal_start(logs=logs, name="restored")
        worker = processes[1]
        # What `manage.py sync_workspace <slug>` has the worker do (here in-process, to print it): a device
        # sync and a reconcile, which finds in Seam the codes made after the backup.
        assert device_sync(workspace=workspace).status == "succeeded"
        first_reconcile = access_codes_reconcile(workspace=workspace)
        send(base_url=base_url, world=world, hooks=after, again=True)
        storm_wait(worker=worker, world=world, size=size, deadline_seconds=options.deadline)
        last_reconcile = access_codes_reconcile(workspace=workspace)
        storm_wait(worker=worker, world=world, size=size, deadline_seconds=options.deadline)
        seconds = time.monotonic() - started
        report = storm_referee(seam_sandbox=sandbox, world=world, rate_limited=0, seconds=seconds)
        # A code the reconcile found in Seam and no booking claimed is a stray PIN on a lock.
        adopted = (
            AccessCode.objects.for_workspace(workspace)
            .filter(create_attempted_at__isnull=True, removed_at__isnull=True)
            .exclude(seam_access_code_id="")
            .exclude(pk__in=BookingCode.objects.for_workspace(workspace).values("access_code_id"))
            .count()
        )
        print(f"restored {restored} bookings; reconcile: {first_reconcile}; the booking system sent "
              f"{len(after)} hooks again; reconcile again: {last_reconcile}; codes found in Seam that no "
              f"booking claimed: {adopted}; logs in {logs}")  # fmt: skip
        for line in [*report.lines(), *storm_stuck(world=world)[:20]]:
            print("  " + line)
        holds = report.holds and adopted == 0
        print(f"  goal 0 duplicated, 0 lost, 0 stuck, 0 strays: {'met' if holds else 'NOT met'}")
        return 0 if holds else 1
    finally:
        portal_stop(processes)
        sandbox.stop()
        connection.close()
        connection.settings_dict["NAME"] = primary_name
        if not options.keep_databases:
            run(["dropdb", "--if-exists", restored_name, *connection_options()])
            connection.creation.destroy_test_db(old_name, verbosity=0)


def drill_hooks(*, world, size: StormSize, before_backup: int) -> tuple[list[Hook], list[Hook]]:
    """The hooks sent before the backup, and those sent after it (new bookings, then date changes and
    cancellations of any booking), each with its own webhook id."""
    rng = random.Random(size.seed)
    first = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    hooks = []
    for index in range(size.bookings):
        unit = world.units[index % len(world.units)]
        check_in = first + dt.timedelta(days=4 * (index // len(world.units)))
        external_id = f"DRILL-{index}"
        world.stays[external_id] = (unit, check_in, check_in + dt.timedelta(days=2))
        hooks.append(("booking.created", storm_booking_data(external_id, *world.stays[external_id])))
    booked = list(world.stays)
    rng.shuffle(booked)
    for external_id in booked[: size.date_changes]:
        unit, check_in, check_out = world.stays[external_id]
        world.stays[external_id] = (unit, check_in + dt.timedelta(days=1), check_out + dt.timedelta(days=1))
        hooks.append(("booking.updated", storm_booking_data(external_id, *world.stays[external_id])))
    cancelled = booked[size.date_changes : size.date_changes + size.cancellations]
    hooks.extend(("booking.cancelled", {"external_id": external_id}) for external_id in cancelled)
    with_ids = [(f"msg_drill_{number}", event_type, data) for number, (event_type, data) in enumerate(hooks)]
    return with_ids[:before_backup], with_ids[before_backup:]


def send(*, base_url: str, world, hooks: list[Hook], again: bool = False) -> None:
    """Each hook signed now (a booking system re-signs what it sends again), under its own webhook id."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for webhook_id, event_type, data in hooks:
            body = hook_body(event_type, **data)
            response = client.post(
                world.hook_path,
                content=body,
                headers=signed_headers(world.hook_secret, body, webhook_id=webhook_id),
            )
            expected = {200, 202} if again else {202}
            assert response.status_code in expected, (webhook_id, response.status_code, response.text)


def portal_start(*, logs: Path, name: str) -> tuple[str, list[subprocess.Popen]]:
    """gunicorn and a Django-Q2 cluster on the database this process now uses."""
    env = server_env(**STORM_WORKER_ENV)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    web = start(gunicorn_command(port), env, logs / f"gunicorn-{name}.log")
    wait_for_web(base_url, web)
    worker = start(qcluster_command(), env, logs / f"qcluster-{name}.log")
    return base_url, [web, worker]


def portal_stop(processes: list) -> None:
    for process in processes:
        stop(process)


def in_seam(sandbox, world) -> int:
    codes = sandbox.sandbox.workspaces[world.sandbox_workspace_id].access_codes.values()
    return sum(1 for code in codes if code.is_managed)


def connection_options() -> list[str]:
    db = connection.settings_dict
    return ["--host", db["HOST"] or "127.0.0.1", "--port", str(db["PORT"] or 5432),
            "--username", db["USER"] or "postgres"]  # fmt: skip


def run(command: list[str], env: dict | None = None) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
