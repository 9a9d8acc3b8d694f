"""Run the Seam sandbox in the foreground: `python manage.py seam_sandbox [--port 8765]`.

Any `seam_sandbox_...` API key works against it straight away (the workspace and its demo devices are
created on first use). Ctrl-C or SIGTERM stops it cleanly, saving --state-file if one was given.
"""

import signal
import threading

from django.core.management.base import BaseCommand

from portal.seam.sandbox import SandboxServer


class Command(BaseCommand):
    help = "Run the Seam API sandbox (a realistic fake of Seam) on this machine until interrupted."
    # The sandbox needs neither the database nor Django's checks; starting fast matters for runportal.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--state-file", default=None, help="Keep workspaces and codes across restarts.")
        parser.add_argument("--verbose-requests", action="store_true", help="Log every HTTP request.")

    def handle(self, *args, host, port, state_file, verbose_requests, **options):
        stop = threading.Event()
        server = SandboxServer(host=host, port=port, state_file=state_file, verbose=verbose_requests)
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        server.start()
        try:
            self.stdout.write(f"Seam sandbox listening on {server.url}")
            self.stdout.write("Use any API key starting with seam_sandbox_ (demo devices included).")
            if state_file:
                self.stdout.write(f"State file: {state_file}")
            self.stdout.flush()
            # A timed wait keeps the main thread responsive to Ctrl-C (KeyboardInterrupt).
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            signal.signal(signal.SIGTERM, previous)
            self.stdout.write("Seam sandbox stopped.")
