"""Killed processes, reduced for CI: the fault storm (40 bookings on 10 units, 12 date changes, 8
cancellations, about 20% of Seam's access-code calls failing) pushed through signed hooks to gunicorn
(two workers) while a supervisor kills the Django-Q2 cluster with SIGKILL every 20 s and gunicorn every
60 s, starting each again. The booking system sends a delivery again when it gets no answer. The sandbox
referees: no code duplicated, lost, stuck or left on a lock. The full size is
`python tests/reliability/run_fault_storm.py --kill-worker-every 20 --kill-web-every 60`."""

import time

import pytest
from server_processes import (
    Supervised,
    Supervisor,
    free_port,
    gunicorn_command,
    qcluster_command,
    server_env,
    stop,
    wait_for_web,
)
from storm import (
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

pytestmark = pytest.mark.django_db(transaction=True)

CI_SIZE = StormSize(units=10, offline_units=3, bookings=40, date_changes=12, cancellations=8)
PACE_SECONDS = 1.25  # 60 hooks over 75 s: three worker kills and one web kill land while they arrive


def test_a_storm_survives_killed_workers_and_web_processes(sandbox_workspace, seam_sandbox, tmp_path, capsys):
    world = storm_world(
        seam_sandbox=seam_sandbox, workspace=sandbox_workspace(demo_devices=False), size=CI_SIZE
    )
    env = server_env(**STORM_WORKER_ENV, Q_WORKERS="2", Q_SYNC="0")
    port = free_port()
    web = Supervised("gunicorn", gunicorn_command(port), env, tmp_path / "gunicorn.log", kill_every=60)
    worker = Supervised(
        "Django-Q2 cluster", qcluster_command(), env, tmp_path / "qcluster.log", kill_every=20
    )
    supervisor = Supervisor([web, worker])
    faults = storm_faults_start(seam_sandbox=seam_sandbox, world=world, rate=CI_SIZE.fault_rate)
    try:
        web.start()
        wait_for_web(f"http://127.0.0.1:{port}", web.process)
        worker.start()
        started = time.monotonic()
        supervisor.start_killing()
        try:
            redelivered = storm_push(
                base_url=f"http://127.0.0.1:{port}", world=world, size=CI_SIZE, pace=PACE_SECONDS
            )
        finally:
            supervisor.stop_killing()
        seconds = time.monotonic() - started
        seconds += storm_wait(worker=worker, world=world, size=CI_SIZE, deadline_seconds=900)
    finally:
        rate_limited = storm_faults_stop(seam_sandbox=seam_sandbox, fault_ids=faults)
        stop(worker.process)
        stop(web.process)
    report = storm_referee(seam_sandbox=seam_sandbox, world=world, rate_limited=rate_limited, seconds=seconds)
    with capsys.disabled():
        print("\n" + "\n".join([*report.lines(), f"{supervisor.kills()}; hooks sent again: {redelivered}"]))
    assert worker.kills >= 3 and web.kills >= 1, supervisor.kills()
    assert report.expected >= 2 * (CI_SIZE.bookings - CI_SIZE.cancellations)
    assert report.holds, "\n".join([*report.lines(), *storm_stuck(world=world)])
