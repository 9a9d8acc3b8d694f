"""`cannot_contain_089` / `cannot_contain_0789` name digits the keypad lacks: the sandbox (the referee)
and the portal's provider rules must read them the same way, as "none of these digits anywhere"."""

import random
from datetime import UTC, datetime

import pytest

from accesscodes.providers import CodeDraft, DeviceFacts, validate_access_code
from portal.seam.sandbox.codegen import generate_code

FORBIDDEN = {"cannot_contain_089": set("089"), "cannot_contain_0789": set("0789")}

# (constraint, code, allowed). Most refused codes hold a forbidden digit but not the substring the
# constraint is named after, which is exactly where a substring reading lets them through.
CODES = [
    ("cannot_contain_089", "1238", False),
    ("cannot_contain_089", "3579", False),
    ("cannot_contain_089", "2460", False),
    ("cannot_contain_089", "8642", False),
    ("cannot_contain_089", "1089", False),
    ("cannot_contain_089", "13572468", False),
    ("cannot_contain_089", "1357", True),
    ("cannot_contain_089", "7531", True),
    ("cannot_contain_089", "246137", True),
    ("cannot_contain_0789", "1357", False),
    ("cannot_contain_0789", "2468", False),
    ("cannot_contain_0789", "1290", False),
    ("cannot_contain_0789", "2461", True),
    ("cannot_contain_0789", "536142", True),
]


def constrained_august(server, api, constraint: str) -> dict:
    august = api.device("august")
    server.update_device(
        august["device_id"], properties={"code_constraints": [{"constraint_type": constraint}]}
    )
    return api.ok("devices/get", device_id=august["device_id"])["device"]


def portal_accepts(device: dict, code: str) -> bool:
    properties = device["properties"]
    facts = DeviceFacts(
        manufacturer=properties["manufacturer"],
        can_program_online_access_codes=device["can_program_online_access_codes"],
        can_program_offline_access_codes=device["can_program_offline_access_codes"],
        supported_code_lengths=tuple(properties["supported_code_lengths"]),
        code_constraints=tuple(properties["code_constraints"]),
    )
    errors = validate_access_code(device=facts, draft=CodeDraft(code=code), others=(), now=datetime.now(UTC))
    return errors == {}


@pytest.mark.parametrize("constraint", sorted(FORBIDDEN))
def test_generated_codes_never_use_a_forbidden_digit(server, api, constraint):
    server.configure(rate_limits_enabled=False)
    device = constrained_august(server, api, constraint)
    codes = [
        api.ok("access_codes/create", device_id=device["device_id"], preferred_code_length=length)[
            "access_code"
        ]["code"]
        for length in (4, 8)
        for _ in range(20)
    ]
    assert [code for code in codes if FORBIDDEN[constraint] & set(code)] == []
    assert all(portal_accepts(device, code) for code in codes)


@pytest.mark.parametrize("constraint", sorted(FORBIDDEN))
def test_the_generator_avoids_forbidden_digits_over_many_draws(constraint):
    rng = random.Random(constraint)
    codes = [
        generate_code(length, constraints=[{"constraint_type": constraint}], rng=rng)
        for length in range(4, 9)
        for _ in range(400)
    ]
    assert [code for code in codes if FORBIDDEN[constraint] & set(code)] == []


@pytest.mark.parametrize("constraint", sorted(FORBIDDEN))
def test_sandbox_and_portal_accept_and_refuse_the_same_codes(server, api, constraint):
    device = constrained_august(server, api, constraint)
    cases = [(code, allowed) for name, code, allowed in CODES if name == constraint]
    sandbox = {}
    for code, _ in cases:
        response = api("access_codes/create", device_id=device["device_id"], code=code)
        assert response.status_code in (200, 400), response.text
        if response.status_code == 400:
            assert constraint in response.json()["error"]["message"]
        sandbox[code] = response.status_code == 200
    portal = {code: portal_accepts(device, code) for code, _ in cases}
    expected = dict(cases)
    assert sandbox == expected
    assert portal == expected
