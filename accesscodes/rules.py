"""The bridge between the Django models and the provider rules engine in `accesscodes.providers`."""

from accesscodes.models import AccessCode
from accesscodes.providers import CodeDraft, DeviceFacts, OtherCode, validate_access_code


def device_facts(device) -> DeviceFacts:
    return DeviceFacts(
        manufacturer=(device.manufacturer or "").lower(),
        can_program_online_access_codes=device.can_program_online_access_codes,
        can_program_offline_access_codes=device.can_program_offline_access_codes,
        supported_code_lengths=tuple(device.supported_code_lengths or ()),
        max_active_codes_supported=device.max_active_codes_supported,
        code_constraints=tuple(device.code_constraints or ()),
        timezone=device.timezone or None,
        warning_codes=tuple(device.warning_codes),
        properties=device.properties or {},
    )


def code_draft(access_code: AccessCode) -> CodeDraft:
    return CodeDraft(
        name=access_code.name,
        code=access_code.code or None,
        starts_at=access_code.starts_at,
        ends_at=access_code.ends_at,
        is_offline_access_code=access_code.is_offline_access_code,
        is_one_time_use=access_code.is_one_time_use,
        max_time_rounding=access_code.max_time_rounding,
        use_backup_access_code_pool=access_code.use_backup_access_code_pool,
    )


def codes_occupying_device(*, workspace, device, exclude_pk=None):
    """Codes that still take a slot on the lock: not removed and not waiting to be deleted."""
    queryset = AccessCode.objects.for_workspace(workspace).filter(device=device, removed_at__isnull=True)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exclude(sync_state__in=[AccessCode.SyncState.REMOVED, AccessCode.SyncState.FAILED])


def other_codes(*, access_code: AccessCode) -> list[OtherCode]:
    queryset = codes_occupying_device(
        workspace=access_code.workspace_id, device=access_code.device_id, exclude_pk=access_code.pk
    ).only("code", "starts_at", "ends_at", "is_offline_access_code", "is_one_time_use", "name")
    return [
        OtherCode(
            code=other.code or None,
            starts_at=other.starts_at,
            ends_at=other.ends_at,
            is_offline_access_code=other.is_offline_access_code,
            is_one_time_use=other.is_one_time_use,
            name=other.name,
        )
        for other in queryset
    ]


def stored_draft(access_code: AccessCode) -> CodeDraft | None:
    if access_code.pk is None:
        return None
    stored = AccessCode.objects.for_workspace(access_code.workspace_id).filter(pk=access_code.pk).first()
    return code_draft(stored) if stored else None


def access_code_rule_errors(*, access_code: AccessCode, now) -> dict[str, list[str]]:
    previous = stored_draft(access_code)
    draft = code_draft(access_code)
    if previous == draft:
        return {}  # nothing a rule looks at changed (e.g. a status update from Seam)
    return validate_access_code(
        device=device_facts(access_code.device),
        draft=draft,
        others=other_codes(access_code=access_code),
        previous=previous,
        now=now,
    )
