"""Backup codes: when a code fails to set near check-in, hand the guest a pre-programmed code instead."""

from django.core.exceptions import ValidationError

from accesscodes.models import AccessCode
from accesscodes.services import access_code_backup_record
from portal.seam import SeamError, seam_client_for_workspace


def access_code_backup_pull(*, access_code: AccessCode, actor=None) -> dict:
    """Seam answers the same backup on repeat calls, so pulling twice is harmless."""
    if not access_code.use_backup_access_code_pool:
        raise ValidationError("This code was not created with the device's backup code pool.")
    if not access_code.seam_access_code_id:
        raise ValidationError("This code has not reached Seam yet.")
    if access_code.backup_access_code:
        return access_code.backup_access_code
    try:
        with seam_client_for_workspace(access_code.workspace) as client:
            backup = client.access_codes_pull_backup_access_code(
                access_code_id=access_code.seam_access_code_id
            )
    except SeamError as error:
        raise ValidationError(f"Seam could not provide a backup code: {error.message}") from error
    access_code_backup_record(access_code=access_code, backup=backup, actor=actor)
    return backup
