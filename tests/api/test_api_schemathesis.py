"""schemathesis against the generated OpenAPI on a live test server: for every operation, generated valid
and invalid requests with a write token over seeded devices and codes; no answer is a 5xx and none breaks
the schema (status code, content type and body all documented). Examples are bounded so the whole file
stays well under two minutes. Then call sequences along the links schemathesis infers (stateful)."""

import datetime as dt

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accesscodes.services import access_code_create
from devices.models import Device
from portal.services import api_token_create, workspace_create

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 15
# Stateful sequences: each chains up to this many calls along the inferred links.
SEQUENCES = 40
STEPS_PER_SEQUENCE = 6
MIN_LINKS = 10


@pytest.fixture
def seeded_api(live_server, transactional_db):
    """A workspace with locks and codes, its write token, and ids to aim generated requests at."""
    workspace = workspace_create(name="Fuzz", slug="fuzz", seam_api_key="seam_test_fuzz_key_000")
    devices = [
        Device.objects.create(
            workspace=workspace, seam_device_id=f"fuzz-{index}", name=f"Door {index}",
            manufacturer=manufacturer, online=True, can_program_online_access_codes=True,
            can_program_offline_access_codes=manufacturer == "igloohome", timezone="Europe/Berlin",
        )
        for index, manufacturer in enumerate(["august", "ultraloq", "igloohome", "kwikset"])
    ]  # fmt: skip
    start = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    codes = [
        access_code_create(
            workspace=workspace, device=devices[index % 2], name=f"Guest {index}",
            starts_at=start + dt.timedelta(days=index), ends_at=start + dt.timedelta(days=index + 2),
        )
        for index in range(4)
    ]  # fmt: skip
    _, clear = api_token_create(workspace=workspace, name="schemathesis")
    return {
        "url": live_server.url,
        "headers": {"Authorization": f"Bearer {clear}"},
        "ids": {"devices": [d.pk for d in devices], "access-codes": [c.pk for c in codes]},
    }


@pytest.fixture
def api_schema(seeded_api):
    return schemathesis.openapi.from_url(f"{seeded_api['url']}/api/v1/schema/")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_match_the_schema(case, seeded_api):
    # Every other generated id names a seeded object, so real objects are exercised, not only 404s.
    collection = case.operation.path.split("/")[3]
    known = seeded_api["ids"].get(collection)
    generated = (case.path_parameters or {}).get("id")
    if known and isinstance(generated, int) and generated % 2 == 0:
        case.path_parameters["id"] = known[generated % len(known)]
    case.call_and_validate(base_url=seeded_api["url"], headers=seeded_api["headers"], checks=CHECKS)


def test_api_call_sequences_match_the_schema(api_schema, seeded_api):
    """Stateful: schemathesis chains operations along the links it infers from the schema (an object a
    POST made, then read, changed, cancelled or deleted by its id): every answer on the way is checked."""
    machine = api_schema.as_state_machine()
    assert api_schema.statistic.transitions.total >= MIN_LINKS, "too few links inferred to chain calls"
    failures = []

    class Sequences(machine):
        def get_call_kwargs(self, case):
            return {"base_url": seeded_api["url"], "headers": seeded_api["headers"]}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

        def step(self, input):
            try:
                return super().step(input)
            except Exception as failure:
                failures.append(failure)
                raise

    try:
        Sequences.run(
            settings=settings(
                max_examples=SEQUENCES,
                stateful_step_count=STEPS_PER_SEQUENCE,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate],
                database=None,
            )
        )
    except FlakyStrategyDefinition:
        # Hypothesis replays a failing sequence to report it, but the server's data has changed since, so
        # the replay draws other steps: the failure as first seen is the one to report.
        if failures:
            raise failures[0] from None
        raise
