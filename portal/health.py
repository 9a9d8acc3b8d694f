"""`/healthz`: what a load balancer and an operator's monitoring ask of a portal process.

The answer is 503 only when this process cannot serve (the database or the task broker is unreachable),
so a load balancer takes it out of rotation for its own faults alone. A worker or Seam gone quiet makes the
answer "degraded" with 200: every web process would say the same, and taking them all out of rotation
would not bring either back."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django_q.brokers import get_broker

from portal.models import Heartbeat

# The worker beats every minute; Seam is reached at least every sync interval.
WORKER_QUIET_AFTER = timedelta(minutes=5)


def seam_quiet_after() -> timedelta:
    return timedelta(minutes=3 * settings.SEAM_SYNC_INTERVAL_MINUTES)


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    last_at: str | None = None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, **({"last_at": self.last_at} if self.last_at else {})}


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check(ok=False, detail=f"unreachable: {type(error).__name__}")
    return Check(ok=True, detail="reachable")


def _broker() -> Check:
    broker = get_broker()
    try:
        reachable = broker.ping()
    except Exception as error:  # each broker raises its own client's errors
        return Check(ok=False, detail=f"{broker.info()} unreachable: {type(error).__name__}")
    return Check(ok=bool(reachable), detail=f"{broker.info()} {'reachable' if reachable else 'unreachable'}")


def _heartbeat(beats: dict, name: str, quiet_after: timedelta, now) -> Check:
    beat_at = beats.get(name)
    if beat_at is None:
        return Check(ok=False, detail="never seen")
    age = now - beat_at
    seconds = int(age.total_seconds())
    return Check(
        ok=age <= quiet_after,
        detail=f"last seen {seconds} s ago"
        + ("" if age <= quiet_after else f" (quiet for over {quiet_after})"),
        last_at=beat_at.isoformat(),
    )


def health_report(*, now=None) -> tuple[int, dict]:
    """(HTTP status, JSON body)."""
    now = now or timezone.now()
    checks = {"database": _database()}
    beats = {}
    if checks["database"].ok:
        beats = dict(Heartbeat.objects.values_list("name", "beat_at"))
    checks["broker"] = _broker()
    checks["worker"] = _heartbeat(beats, Heartbeat.Name.WORKER, WORKER_QUIET_AFTER, now)
    checks["seam"] = _heartbeat(beats, Heartbeat.Name.SEAM, seam_quiet_after(), now)
    serving = checks["database"].ok and checks["broker"].ok
    status = "ok" if all(check.ok for check in checks.values()) else ("degraded" if serving else "failing")
    body = {"status": status, "checks": {name: check.as_dict() for name, check in checks.items()}}
    return (200 if serving else 503), body
