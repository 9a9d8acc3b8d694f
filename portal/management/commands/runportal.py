import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.hooks.endpoints import seam_webhook_register
from portal.management.commands.demo_setup import DEMO_PASSWORD, DEMO_USERNAME, DEMO_WORKSPACE_SLUG
from portal.models import Workspace
from portal.seam import SeamError
from portal.signals import demo_workspace_ready


def wait_for_port(host: str, port: int, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the whole local portal: Seam sandbox, Django-Q2 worker and web server, with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8765)

    def handle(self, *args, host, port, sandbox_port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo_setup", seam_api_url=f"http://127.0.0.1:{sandbox_port}", stdout=self.stdout)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        state_file = settings.BASE_DIR / ".sandbox-state.json"
        commands = {
            "seam sandbox": [
                *manage,
                "seam_sandbox",
                "--port",
                str(sandbox_port),
                "--state-file",
                str(state_file),
            ],
            "worker": [*manage, "qcluster"],
            # --insecure: serve static files without DEBUG, for this local run only.
            "web": [*manage, "runserver", f"{host}:{port}", "--noreload", "--insecure"],
        }
        processes = {}
        try:
            processes["seam sandbox"] = subprocess.Popen(commands["seam sandbox"])
            if not wait_for_port("127.0.0.1", sandbox_port, timeout=20):
                raise CommandError(f"The Seam sandbox did not start on port {sandbox_port}.")
            self._first_sync()
            self._webhooks_to(f"http://{host}:{port}")
            for name in ("worker", "web"):
                processes[name] = subprocess.Popen(commands[name])
            if not wait_for_port(host, port, timeout=30):
                raise CommandError(f"The web server did not start on {host}:{port}.")
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nLock portal running at http://{host}:{port}/  (admin: http://{host}:{port}/admin/)\n"
                    f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD}. Press Ctrl-C to stop.\n"
                )
            )
            signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, process in processes.items() if process.poll() is not None]
            raise CommandError(f"Stopped because the {', '.join(stopped)} process exited.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _first_sync(self):
        """Devices show up at once instead of after the first scheduled sync. A failure is reported and the
        portal starts anyway: the scheduled sync tries again."""
        try:
            call_command("sync_workspace", DEMO_WORKSPACE_SLUG, stdout=self.stdout)
        except CommandError as error:
            self.stderr.write(f"First sync of the demo workspace failed: {error}")
            return
        # Apps above the portal add their demo data (properties, bookings) for these devices.
        workspace = Workspace.objects.get(slug=DEMO_WORKSPACE_SLUG)
        demo_workspace_ready.send(sender=Workspace, workspace=workspace)

    def _webhooks_to(self, portal_url: str) -> None:
        """The sandbox delivers the demo workspace's events to this portal as Seam would, signed (without
        it the demo workspace would poll). A failure is reported and the portal starts anyway: polling
        covers the demo then."""
        workspace = Workspace.objects.filter(slug=DEMO_WORKSPACE_SLUG).first()
        if workspace is None:
            return
        try:
            seam_webhook_register(workspace=workspace, public_url=portal_url)
        except SeamError as error:
            self.stderr.write(f"Registering the demo webhook with the sandbox failed: {error}")
