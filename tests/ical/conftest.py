"""A real HTTP server on 127.0.0.1 serving the `.ics` files in feeds/, and a rental with a door."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from accesscodes.bookings.ical.services import calendar_feed_save
from accesscodes.bookings.models import CalendarFeed, Property, Unit, UnitDoor

FEEDS = Path(__file__).parent / "feeds"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    etag: str = ""  # when set, a request with a matching If-None-Match gets 304
    headers: dict = field(default_factory=dict)


class FeedServer:
    """Serves whatever reply each path currently has, and records every request's headers."""

    def __init__(self):
        self.replies: dict[str, Reply] = {}
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                reply = server.replies.get(self.path, Reply(status=404, body=b"not found"))
                if reply.etag and self.headers.get("If-None-Match") == reply.etag:
                    self.send_response(304)
                    self.send_header("ETag", reply.etag)
                    self.end_headers()
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(reply.body)))
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve_file(self, path: str, name: str, **reply) -> None:
        self.replies[path] = Reply(body=(FEEDS / name).read_bytes(), **reply)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def feed_server():
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def rental(workspace_a, make_device):
    """A Berlin property (check-in 15:00, check-out 11:00) with one unit and its online door."""
    door = make_device(workspace_a, "august", name="Front door")
    property = Property.objects.create(workspace=workspace_a, name="Canal House", timezone="Europe/Berlin")
    unit = Unit.objects.create(workspace=workspace_a, property=property, name="Flat 1")
    UnitDoor.objects.create(workspace=workspace_a, unit=unit, device=door)
    return {"workspace": workspace_a, "property": property, "unit": unit, "door": door}


@pytest.fixture
def make_feed(rental, feed_server):
    def make(path="/calendar.ics", name="Airbnb", **fields):
        feed = CalendarFeed(
            workspace=rental["workspace"], unit=rental["unit"], name=name, url=feed_server.url(path), **fields
        )
        return calendar_feed_save(feed=feed)

    return make
