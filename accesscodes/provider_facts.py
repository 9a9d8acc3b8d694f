"""Plain facts for the provider rules engine (`accesscodes.providers`), read off a device and a code.

Duck-typed on purpose: it reads attributes and never imports a model, so the rules engine stays free of
the ORM and the models can call it from `clean()`.
"""

from accesscodes.providers import CodeDraft, DeviceFacts, OtherCode


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


def code_draft(access_code) -> CodeDraft:
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


def other_code(access_code) -> OtherCode:
    return OtherCode(
        code=access_code.code or None,
        starts_at=access_code.starts_at,
        ends_at=access_code.ends_at,
        is_offline_access_code=access_code.is_offline_access_code,
        is_one_time_use=access_code.is_one_time_use,
        name=access_code.name,
    )
