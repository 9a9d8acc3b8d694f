"""The fault storm, reduced for CI: 100 bookings on 20 units (two doors each, five unit doors
offline-only) through signed hooks to the live server, 30 date changes and 20 cancellations, while the
sandbox fails about 20% of the access-code calls; one real Django-Q2 worker. The sandbox referees: no
code duplicated, lost, stuck or left on a lock. The full size is `python tests/reliability/run_fault_storm.py`."""

import pytest
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

CI_SIZE = StormSize(units=20, offline_units=5, bookings=100, date_changes=30, cancellations=20)


def test_a_fault_storm_converges_with_nothing_duplicated_lost_or_stuck(
    sandbox_workspace, seam_sandbox, django_q_worker, live_server, monkeypatch
):
    world = storm_world(
        seam_sandbox=seam_sandbox, workspace=sandbox_workspace(demo_devices=False), size=CI_SIZE
    )
    for name, value in STORM_WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    faults = storm_faults_start(seam_sandbox=seam_sandbox, world=world, rate=CI_SIZE.fault_rate)
    try:
        worker = django_q_worker()
        storm_push(base_url=live_server.url, world=world, size=CI_SIZE)
        seconds = storm_wait(worker=worker, world=world, size=CI_SIZE, deadline_seconds=900)
    finally:
        rate_limited = storm_faults_stop(seam_sandbox=seam_sandbox, fault_ids=faults)
    report = storm_referee(seam_sandbox=seam_sandbox, world=world, rate_limited=rate_limited, seconds=seconds)
    print("\n".join(report.lines()))
    assert report.expected >= 2 * (CI_SIZE.bookings - CI_SIZE.cancellations)
    assert report.holds, "\n".join([*report.lines(), *storm_stuck(world=world)])
