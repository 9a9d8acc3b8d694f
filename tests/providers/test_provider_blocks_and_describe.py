"""modification_block_reason, deletion_block_reason, and describe_rules' key limits for offline brands."""

from datetime import UTC, datetime, timedelta

import pytest

from accesscodes.providers import (
    CodeDraft,
    DeviceFacts,
    deletion_block_reason,
    describe_rules,
    modification_block_reason,
    validate_access_code,
)

START = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
OFFLINE = CodeDraft(starts_at=START, ends_at=START + timedelta(hours=5), is_offline_access_code=True)
ONLINE = CodeDraft(code="2468", starts_at=START, ends_at=START + timedelta(hours=5))


def device(manufacturer):
    return DeviceFacts(manufacturer, True, True)


@pytest.mark.parametrize(
    ("manufacturer", "fragments"),
    [
        (
            "igloohome",
            ["igloohome offline codes (algoPINs) cannot be changed", "Create a new code", "igloohome app"],
        ),
        ("dormakaba_oracode", ["dormakaba Oracode offline codes cannot be changed", "Create a new code"]),
        ("lockly", ["Lockly offline codes cannot be changed", "Create a new code"]),
        ("august", ["Offline access codes cannot be changed once created", "Create a new code"]),
    ],
)
def test_offline_codes_cannot_be_modified(manufacturer, fragments):
    reason = modification_block_reason(device=device(manufacturer), code=OFFLINE)
    assert reason is not None
    for fragment in fragments:
        assert fragment in reason
    assert modification_block_reason(device=device(manufacturer), code=ONLINE) is None


@pytest.mark.parametrize(
    ("manufacturer", "fragments"),
    [
        (
            "igloohome",
            ["cannot be deleted through the Seam API", "Bluetooth range", "Let it expire", "igloohome app"],
        ),
        ("dormakaba_oracode", ["cannot be deleted", "Let it expire"]),
        ("lockly", ["cannot be revoked before they expire", "Lockly app"]),
        ("august", ["cannot be revoked before they expire", "factory-reset"]),
    ],
)
def test_offline_codes_cannot_be_deleted_through_seam(manufacturer, fragments):
    reason = deletion_block_reason(device=device(manufacturer), code=OFFLINE)
    assert reason is not None
    for fragment in fragments:
        assert fragment in reason
    assert deletion_block_reason(device=device(manufacturer), code=ONLINE) is None


@pytest.mark.parametrize("manufacturer", ["igloohome", "dormakaba_oracode", "lockly"])
def test_update_of_offline_code_returns_the_block_reason(manufacturer):
    changed = CodeDraft(starts_at=START, ends_at=START + timedelta(hours=6), is_offline_access_code=True)
    errors = validate_access_code(
        device=device(manufacturer), draft=changed, others=(), previous=OFFLINE, now=START - timedelta(days=1)
    )
    assert errors == {"__all__": [modification_block_reason(device=device(manufacturer), code=OFFLINE)]}


def test_describe_igloohome_mentions_every_limit():
    text = " ".join(describe_rules(device("igloohome")))
    for fragment in [
        "1 to 672 hours (28 days)",
        "at most 3 may start in the same hour",
        "29 to 367 days",
        "same time of day",
        "at most 3 may start on the same day",
        "valid for 24 hours",
        "at most 5 may start on the same date",
        "199 PINs",
        "within 24 hours of its start",
        "cannot choose the PIN",
        "Bluetooth range",
    ]:
        assert fragment in text
