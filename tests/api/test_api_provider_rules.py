"""Every provider-rule refusal reaches the API as 400 with the rule's own sentence: the cases of
tests/providers/, sent as API bodies, against what the rules engine itself says about the same code."""

import datetime as dt

import pytest
from django.utils import timezone

from accesscodes.models import DATE_OUT_OF_RANGE, AccessCode
from accesscodes.provider_facts import device_facts, other_code
from accesscodes.providers import CodeDraft, validate_access_code
from accesscodes.services import access_code_create

pytestmark = pytest.mark.django_db

LIST = "/api/v1/access-codes/"
NOW = timezone.now().replace(minute=0, second=0, microsecond=0)
ORACODE_SLOT = {
    "name": "Guest 4pm-10am", "prefix": 1, "is_master": False, "is_24_hour": False, "is_one_shot": False,
    "check_in_time": "16:00:00-07:00[America/Los_Angeles]",
    "check_out_time": "10:00:00-07:00[America/Los_Angeles]",
}  # fmt: skip
ORACODE = {
    "can_program_online_access_codes": False,
    "can_program_offline_access_codes": True,
    "properties": {
        "dormakaba_oracode_metadata": {
            "iana_timezone": "America/Los_Angeles",
            "predefined_time_slots": [ORACODE_SLOT],
        }
    },
}


def at(days=0, hours=0) -> str:
    return (NOW + dt.timedelta(days=days, hours=hours)).isoformat()


def window(start_days=1, end_days=3) -> dict:
    return {"starts_at": at(start_days), "ends_at": at(end_days)}


OFFLINE = {"is_offline_access_code": True}

# (id, manufacturer, device fields, body, existing codes on the lock as service keyword arguments)
RULE_CASES = [
    ("code-too-short", "august", {}, {"code": "135"}, []),
    ("code-not-digits", "august", {"supported_code_lengths": []}, {"code": "13a7"}, []),
    ("code-too-long", "august", {"supported_code_lengths": []}, {"code": "1357924680135"}, []),
    ("supported-lengths", "august", {"supported_code_lengths": [4, 6]}, {"code": "13579"}, []),
    ("start-only", "august", {}, {"starts_at": at(1)}, []),
    ("end-only", "august", {}, {"ends_at": at(1)}, []),
    ("end-before-start", "august", {}, window(3, 2), []),
    ("ended", "august", {}, window(-5, -3), []),
    ("offline-on-online-only-lock", "august", {}, {**window(), **OFFLINE}, []),
    ("online-on-offline-only-lock", "igloohome", {}, {}, []),
    ("offline-must-be-time-bound", "igloohome", {}, OFFLINE, []),
    ("one-time-use-online", "august", {}, {**window(), "is_one_time_use": True}, []),
    ("backup-pool-ongoing", "august", {}, {"use_backup_access_code_pool": True}, []),
    (
        "backup-pool-unsupported", "august", {"properties": {"supports_backup_access_code_pool": False}},
        {**window(), "use_backup_access_code_pool": True}, [],
    ),
    ("lockly-pin-length", "lockly", {}, {"code": "24681"}, []),
    (
        "lockly-time-bound-without-zone", "lockly",
        {"warnings": [{"warning_code": "lockly_time_zone_not_configured", "message": "Set the zone"}]},
        {**window(), "code": "246813"}, [],
    ),
    ("kwikset-name", "kwikset", {}, {"name": "A", "code": "2468"}, []),
    ("kwikset-lead-time", "kwikset", {}, {**window(0, 2), "starts_at": at(hours=0), "code": "2468"}, []),
    ("nuki-zero", "nuki", {}, {"code": "3405"}, []),
    ("tedee-sequence", "tedee", {}, {"code": "34567"}, []),
    ("salto-custom-pin", "salto", {}, {"code": "246813"}, []),
    ("ultraloq-pin-length", "ultraloq", {}, {"code": "123456789"}, []),
    ("oracode-slot", "dormakaba_oracode", ORACODE, {**window(1, 2), **OFFLINE}, []),
    (
        "cannot-specify-pin", "august",
        {"code_constraints": [{"constraint_type": "cannot_specify_pin_code"}]}, {"code": "2468"}, [],
    ),
    (
        "name-length", "august", {"code_constraints": [{"constraint_type": "name_length", "max_length": 5}]},
        {"name": "A long guest name"}, [],
    ),
    ("pin-clash", "august", {}, {"code": "2468"}, [{"name": "Earlier", "code": "2468"}]),
    ("lock-full", "august", {"max_active_codes_supported": 1}, {"code": "2468"}, [{"name": "Earlier"}]),
]  # fmt: skip


def draft_of(body: dict) -> CodeDraft:
    moments = {
        name: dt.datetime.fromisoformat(body[name]) for name in ("starts_at", "ends_at") if name in body
    }
    fields = {name: body[name] for name in CodeDraft.__dataclass_fields__ if name in body}
    return CodeDraft(**{**fields, **moments, "code": body.get("code") or None})


@pytest.mark.parametrize(
    ("manufacturer", "device_fields", "body", "existing"),
    [pytest.param(*case[1:], id=case[0]) for case in RULE_CASES],
)
def test_each_rule_answers_400_with_its_own_sentence(
    api_a, workspace_a, make_device, manufacturer, device_fields, body, existing
):
    device = make_device(workspace_a, manufacturer, **device_fields)
    for fields in existing:
        access_code_create(workspace=workspace_a, device=device, **fields)
    body = {"device_id": device.pk, "name": "Guest", **body}
    others = AccessCode.objects.for_workspace(workspace_a).filter(device=device)
    expected = validate_access_code(
        device=device_facts(device),
        draft=draft_of(body),
        others=[other_code(other) for other in others],
        now=timezone.now(),
    )
    assert expected, "each case breaks a rule"

    response = api_a.post(LIST, body)

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    api_fields = {"non_field_errors" if field == "__all__" else field: m for field, m in expected.items()}
    assert error["type"] == "invalid_input"
    assert error["validation_errors"] == api_fields
    first_field, first_messages = next(iter(api_fields.items()))
    prefix = "" if first_field == "non_field_errors" else f"{first_field}: "
    assert error["message"] == prefix + first_messages[0]
    assert AccessCode.objects.for_workspace(workspace_a).count() == len(existing)


def test_dates_outside_the_accepted_years_are_refused_before_any_rule(api_a, workspace_a, make_device):
    device = make_device(workspace_a)
    response = api_a.post(
        LIST,
        {"device_id": device.pk, "name": "Guest", "starts_at": "2150-01-01T00:00:00Z",
         "ends_at": "2150-01-02T00:00:00Z"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["validation_errors"] == {
        "starts_at": [DATE_OUT_OF_RANGE],
        "ends_at": [DATE_OUT_OF_RANGE],
    }


def test_a_change_is_judged_by_the_same_rules(api_a, workspace_a, make_device):
    device = make_device(workspace_a, "ultraloq")
    access_code = access_code_create(workspace=workspace_a, device=device, name="Guest", code="4812")
    response = api_a.patch(f"{LIST}{access_code.pk}/", {"code": "123456789"})
    expected = validate_access_code(
        device=device_facts(device), draft=CodeDraft(name="Guest", code="123456789"), others=[],
        previous=CodeDraft(name="Guest", code="4812"), now=timezone.now(),
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["validation_errors"] == expected
    access_code.refresh_from_db()
    assert access_code.code == "4812"
