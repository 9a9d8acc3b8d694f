from portal.models import Heartbeat
from portal.services import heartbeat_beat


def worker_heartbeat() -> None:
    """Scheduled every minute: proves to `/healthz` that a worker takes tasks."""
    heartbeat_beat(name=Heartbeat.Name.WORKER)
