"""A scripted Seam over real HTTP whose access-code listing ignores `device_id`, as Seam's published fake
does. Built on tests/seam/scripted_server.py; used by the sync tests that need answers the sandbox never
gives (a device-blind listing, malformed answers, duplicate PINs)."""

import importlib.util
import itertools
import sys
import threading
from contextlib import contextmanager
from pathlib import Path


def _scripted_server_module():
    if "scripted_server" not in sys.modules:  # the module tests/seam imports under this name
        path = Path(__file__).parents[1] / "seam" / "scripted_server.py"
        spec = importlib.util.spec_from_file_location("scripted_server", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["scripted_server"] = module
        spec.loader.exec_module(module)
    return sys.modules["scripted_server"]


scripted = _scripted_server_module()


class DeviceBlindSeam:
    """Seam's access-code routes as its fake answers them: the listing ignores `device_id`. Creates
    answer from `create_replies` while any are left (a Reply, or None for the normal answer)."""

    def __init__(self, server):
        self.server = server
        self.codes: list[dict] = []
        self.create_replies: list = []
        self.failing_devices: set[str] = set()
        self._ids = itertools.count(1)
        server.responder = self.answer

    def code(self, device_id: str, pin: str, name: str = "Guest", access_code_id: str | None = None) -> dict:
        seam_code = {
            "access_code_id": access_code_id or f"ac_{next(self._ids)}",
            "device_id": device_id,
            "name": name,
            "code": pin,
            "status": "set",
            "is_managed": True,
            "errors": [],
            "warnings": [],
        }
        self.codes.append(seam_code)
        return seam_code

    def answer(self, request):
        route, body = request.path.strip("/"), request.body
        if route == "access_codes/list":
            if body.get("device_id") in self.failing_devices:
                return scripted.seam_error(400, "invalid_input", "device listing refused")
            return scripted.ok(access_codes=self.codes)
        if route == "access_codes/unmanaged/list":
            return scripted.ok(access_codes=[])
        if route == "access_codes/create":
            reply = self.create_replies.pop(0) if self.create_replies else None
            if reply is not None:
                return reply
            return scripted.ok(access_code=self.code(body["device_id"], body.get("code", ""), body["name"]))
        if route == "access_codes/get":
            found = [code for code in self.codes if code["access_code_id"] == body["access_code_id"]]
            if found:
                return scripted.ok(access_code=found[0])
            return scripted.seam_error(404, "access_code_not_found", "Access code not found")
        if route == "access_codes/delete":
            self.codes = [code for code in self.codes if code["access_code_id"] != body["access_code_id"]]
            return scripted.ok()
        return scripted.seam_error(404, "not_found", f"unscripted route {route}")


@contextmanager
def device_blind_seam():
    server = scripted.ScriptedServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield DeviceBlindSeam(server)
    finally:
        server.shutdown()
        server.server_close()
