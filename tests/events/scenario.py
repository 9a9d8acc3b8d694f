"""A busy sandbox workspace: codes set, scheduled on the lock, deleted, failing and changed outside Seam,
locks going offline and coming back, guests opening doors. Returns Seam's events for all of it, in the
order Seam recorded them, once the sandbox has settled (nothing more will change by itself)."""

import datetime as dt

from portal.seam import seam_client_for_workspace

# What happens to each code: set and left; set then deleted; natively scheduled on the lock ahead of its
# window; failing to set; changed on the lock outside Seam; set, then moved to a later window (so the lock
# holds it scheduled again: its state goes backwards).
KINDS = ("ongoing", "deleted", "scheduled", "failing", "modified", "moved")
DOORS = ("Unit 2A Front Door", "Lakehouse Back Door", "Suite 301 Entry", "Unit 5C Patio Door")
# The fewest codes any of these demo locks holds.
DEMO_LOCK_CAPACITY = 100


def settle(seam_sandbox, seconds=10):
    # Programming and removal take 2 s of sandbox time; advancing the clock plays them at once.
    seam_sandbox.control("clock/advance", seconds=seconds)


def busy_seam_history(
    seam_sandbox, workspace, *, codes_per_door=10
) -> tuple[list[dict], list[tuple[str, dict]]]:
    seam_now = dt.datetime.fromisoformat(seam_sandbox.control("clock/get")["now"].replace("Z", "+00:00"))
    since = (seam_now - dt.timedelta(seconds=1)).isoformat()
    device_ids = [_device_id(seam_sandbox, workspace, name) for name in DOORS]
    if codes_per_door > DEMO_LOCK_CAPACITY:
        # A storm's full size holds more codes than a demo lock: these locks get room for them.
        for device_id in device_ids:
            seam_sandbox.control(
                "devices/update",
                device_id=device_id,
                properties={"max_active_codes_supported": codes_per_door},
            )
    with seam_client_for_workspace(workspace) as client:
        created = []
        for door, device_id in enumerate(device_ids):
            for number in range(codes_per_door):
                kind = KINDS[number % len(KINDS)]
                if kind == "failing":
                    seam_sandbox.control("access_codes/fail_to_set", device_id=device_id, count=1)
                window = {}
                if kind == "scheduled":
                    starts_at = seam_now + dt.timedelta(days=2, hours=number)
                    window = {
                        "starts_at": starts_at.isoformat(),
                        "ends_at": (starts_at + dt.timedelta(days=3)).isoformat(),
                    }
                seam_code = client.access_codes_create(
                    device_id=device_id,
                    name=f"G{door}{number:02d}",
                    code=f"{5100 + door * 100 + number}",
                    **window,
                )
                created.append((kind, seam_code))
                settle(seam_sandbox, seconds=3)
        for kind, seam_code in created:
            if kind == "deleted":
                client.access_codes_delete(access_code_id=seam_code["access_code_id"])
            elif kind == "modified":
                seam_sandbox.control(
                    "access_codes/modify_externally", access_code_id=seam_code["access_code_id"]
                )
            elif kind == "moved":
                starts_at = seam_now + dt.timedelta(days=2)
                client.access_codes_update(
                    access_code_id=seam_code["access_code_id"],
                    starts_at=starts_at.isoformat(),
                    ends_at=(starts_at + dt.timedelta(days=1)).isoformat(),
                )
        settle(seam_sandbox)
        for round_number in range(5):
            for device_id in device_ids:
                seam_sandbox.control("devices/update", device_id=device_id, online=round_number % 2 == 1)
            settle(seam_sandbox, seconds=1)
        for kind, seam_code in created:
            if kind in ("ongoing", "modified"):
                seam_sandbox.control("locks/simulate_unlock", access_code_id=seam_code["access_code_id"])
                settle(seam_sandbox, seconds=1)
        settle(seam_sandbox)
        return client.events_list(since=since, limit=100_000), created


def _device_id(seam_sandbox, workspace, name):
    engine = seam_sandbox.sandbox
    with engine.lock:
        seam_workspace = engine.workspace_for_key(workspace.seam_api_key)
        return next(d["device_id"] for d in seam_workspace.devices.values() if d["display_name"] == name)
