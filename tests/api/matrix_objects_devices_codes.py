"""Rows of the cross-workspace matrix (test_api_matrix.py) for the devices and access-code endpoints.

OBJECTS: URL name -> make(workspace) -> the URL kwargs, creating in that workspace the object the URL names
(list routes create one too, so a list that leaked another workspace's rows would show it).
BODIES: (URL name, METHOD) -> body(workspace) -> a valid request body in that workspace."""

import datetime as dt
import uuid

from django.utils import timezone

from accesscodes.services import access_code_create
from devices.models import Device


def device(workspace) -> Device:
    number = uuid.uuid4().hex[:12]
    return Device.objects.create(
        workspace=workspace,
        seam_device_id=f"matrix-{number}",
        name=f"Matrix door {number}",
        manufacturer="august",
        online=True,
        can_program_online_access_codes=True,
        supported_code_lengths=[4, 5, 6],
    )


def access_code(workspace, **fields):
    return access_code_create(workspace=workspace, device=device(workspace), name="Matrix guest", **fields)


def backup_pool_code(workspace):
    start = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    code = access_code(
        workspace, starts_at=start, ends_at=start + dt.timedelta(days=1), use_backup_access_code_pool=True
    )
    code.seam_access_code_id = f"matrix-{uuid.uuid4().hex}"
    code.save()
    return code


def created(make):
    def make_and_name_nothing(workspace) -> dict:
        make(workspace)
        return {}

    return make_and_name_nothing


OBJECTS = {
    "api-device-list": created(device),
    "api-device-detail": lambda workspace: {"pk": device(workspace).pk},
    "api-device-sync": created(device),
    "api-access-code-list": created(access_code),
    "api-access-code-detail": lambda workspace: {"pk": access_code(workspace).pk},
    "api-access-code-pull-backup": lambda workspace: {"pk": backup_pool_code(workspace).pk},
}

BODIES = {
    ("api-device-sync", "POST"): lambda workspace: {},
    ("api-access-code-list", "POST"): lambda workspace: {
        "device_id": device(workspace).pk,
        "name": "Matrix guest",
    },
    ("api-access-code-detail", "PATCH"): lambda workspace: {"name": "Renamed by the matrix"},
    ("api-access-code-pull-backup", "POST"): lambda workspace: {},
}
