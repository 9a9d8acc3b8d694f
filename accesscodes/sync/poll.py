"""Reading a code's status back from Seam while it moves or waits for a milestone."""

from accesscodes.models import AccessCode
from accesscodes.sync.outcomes import gone_handle
from accesscodes.sync.seam_state import next_poll_at, seam_state_apply
from accesscodes.sync.write_back import LIFECYCLE_FIELDS, SEAM_FIELDS, access_code_write_back
from portal.seam import SeamNotFound


def poll(*, client, access_code: AccessCode, now) -> str:
    try:
        seam_code = client.access_codes_get(access_code_id=access_code.seam_access_code_id)
    except SeamNotFound:
        return gone_handle(access_code=access_code, now=now)
    seam_state_apply(access_code=access_code, seam_code=seam_code, now=now)
    access_code.last_sync_error = ""
    access_code.next_poll_at = next_poll_at(access_code=access_code, now=now)
    access_code_write_back(access_code=access_code, fields=[*SEAM_FIELDS, *LIFECYCLE_FIELDS])
    return "polled"
