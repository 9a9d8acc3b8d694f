import pytest

from devices.models import Device

BRAND_DEFAULTS = {
    "august": {"can_program_online_access_codes": True, "supported_code_lengths": [4, 5, 6]},
    "igloohome": {"can_program_offline_access_codes": True},
    "ultraloq": {"can_program_online_access_codes": True, "timezone": "America/Los_Angeles"},
    "lockly": {"can_program_online_access_codes": True, "can_program_offline_access_codes": True},
}


@pytest.fixture
def make_device():
    counter = iter(range(1, 10_000))

    def make(workspace, manufacturer="august", **fields):
        number = next(counter)
        values = {
            "seam_device_id": f"device-{manufacturer}-{number}",
            "name": f"{manufacturer.title()} door {number}",
            "manufacturer": manufacturer,
            "online": True,
            **BRAND_DEFAULTS.get(manufacturer, {"can_program_online_access_codes": True}),
            **fields,
        }
        return Device.objects.create(workspace=workspace, **values)

    return make
