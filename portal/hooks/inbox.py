"""Seam's events, stored once per workspace before anything acts on them, then processed through the
handler table (`portal.seam_events`) by a Django-Q2 task.

Webhooks and polling both go through `seam_event_store`: the unique (workspace, event id) makes the second
arrival of an event a no-op, whichever way it came. Processing locks the event's row and applies it in the
same transaction that records the outcome, so an event is applied at most once and never half."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from portal.models import SeamEvent
from portal.seam_events import EventIgnored, EventRetryLater, handlers_for, seam_timestamp

logger = logging.getLogger(__name__)

PROCESS_TASK = "portal.hooks.tasks.process_seam_event"
ID_MAX_LENGTH = 100
# A pending event this old lost its task (a worker restart) or was told to retry later: the sweep takes it.
STALE_PENDING_AFTER = dt.timedelta(seconds=30)
# Long error texts (e.g. a stack of nested messages) are cut: the inbox shows a reason, not a dump.
ERROR_MAX_LENGTH = 2000


def seam_event_problems(event) -> dict[str, list[str]]:
    """What makes `event` unusable as a Seam event (empty when it is fine), keyed like validation_errors."""
    if not isinstance(event, dict):
        return {"body": ["A Seam event is a JSON object."]}
    problems = {}
    for field in ("event_id", "event_type"):
        value = event.get(field)
        if not isinstance(value, str) or not value.strip():
            problems[field] = ["Required: a non-empty string."]
        elif len(value) > ID_MAX_LENGTH:
            problems[field] = [f"At most {ID_MAX_LENGTH} characters."]
    return problems


def seam_event_store(*, workspace, event: dict, via: str, enqueue: bool = True) -> SeamEvent | None:
    """Store the event unless the workspace already has it; returns the new row, or None for a duplicate.
    With `enqueue`, its processing is queued once the caller's transaction commits (the poller processes
    what it read itself). `event` passed seam_event_problems."""
    row = SeamEvent(
        workspace=workspace,
        seam_event_id=event["event_id"],
        event_type=event["event_type"],
        payload=event,
        occurred_at=seam_timestamp(event.get("occurred_at")),
        seam_created_at=seam_timestamp(event.get("created_at")),
        via=via,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    if enqueue:
        seam_event_enqueue(seam_event=row)
    return row


def seam_event_enqueue(*, seam_event: SeamEvent) -> None:
    workspace_id, seam_event_pk = seam_event.workspace_id, seam_event.pk
    transaction.on_commit(lambda: async_task(PROCESS_TASK, workspace_id, seam_event_pk))


def seam_event_process(*, workspace, seam_event_pk: int) -> str:
    """Apply one pending event through its handlers; returns its outcome. A handler's failure is recorded on
    the event (its writes rolled back), never raised."""
    with transaction.atomic():
        seam_event = (
            SeamEvent.objects.for_workspace(workspace).select_for_update().filter(pk=seam_event_pk).first()
        )
        if seam_event is None or seam_event.outcome != SeamEvent.Outcome.PENDING:
            return "done" if seam_event else "missing"
        seam_event.attempts += 1
        try:
            with transaction.atomic():
                results, ignored = _dispatch(workspace, seam_event)
        except EventRetryLater as reason:
            seam_event.result = f"Waiting: {reason}"
            seam_event.save(update_fields=["attempts", "result"])
            return "retry"
        except Exception as error:
            logger.exception("Seam event %s (%s) failed", seam_event.seam_event_id, seam_event.event_type)
            _finish(seam_event, SeamEvent.Outcome.FAILED, error=f"{type(error).__name__}: {error}")
            return seam_event.outcome
        if results:
            _finish(seam_event, SeamEvent.Outcome.APPLIED, result=" ".join(results))
        else:
            _finish(seam_event, SeamEvent.Outcome.IGNORED, result=" ".join(ignored))
        return seam_event.outcome


def _dispatch(workspace, seam_event: SeamEvent) -> tuple[list[str], list[str]]:
    handlers = handlers_for(seam_event.event_type)
    if not handlers:
        return [], [f"The portal does not act on {seam_event.event_type} events."]
    results, ignored = [], []
    for handler in handlers:
        try:
            results.append(handler(workspace=workspace, event=seam_event.payload))
        except EventIgnored as reason:
            ignored.append(str(reason))
    return results, ignored


def _finish(seam_event: SeamEvent, outcome: str, *, result: str = "", error: str = "") -> None:
    seam_event.outcome = outcome
    seam_event.result = result[:ERROR_MAX_LENGTH]
    seam_event.error = error[:ERROR_MAX_LENGTH]
    seam_event.processed_at = timezone.now()
    seam_event.save(update_fields=["attempts", "outcome", "result", "error", "processed_at"])


def seam_events_process_again(*, workspace, seam_event_pks) -> int:
    """Put failed (or ignored) events back in the queue, e.g. after fixing what made them fail."""
    with transaction.atomic():
        events = list(
            SeamEvent.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk__in=list(seam_event_pks))
            .exclude(outcome__in=[SeamEvent.Outcome.PENDING, SeamEvent.Outcome.APPLIED])
        )
        for seam_event in events:
            seam_event.outcome = SeamEvent.Outcome.PENDING
            seam_event.error = ""
            seam_event.processed_at = None
            seam_event.save(update_fields=["outcome", "error", "processed_at"])
            seam_event_enqueue(seam_event=seam_event)
    return len(events)


def seam_events_process_pending(*, workspace, now=None, received_before=None) -> dict[str, int]:
    """Process the workspace's pending events received before `received_before` (default: the stale ones),
    oldest first; each on its own, so one event's trouble never stops the others."""
    now = now or timezone.now()
    received_before = received_before or now - STALE_PENDING_AFTER
    pending_pks = list(
        SeamEvent.objects.for_workspace(workspace)
        .filter(outcome=SeamEvent.Outcome.PENDING, received_at__lte=received_before)
        .order_by("seam_created_at", "received_at", "pk")
        .values_list("pk", flat=True)
    )
    outcomes: dict[str, int] = {}
    for seam_event_pk in pending_pks:
        try:
            outcome = seam_event_process(workspace=workspace, seam_event_pk=seam_event_pk)
        except Exception:  # e.g. a lost database connection: the next sweep tries again
            logger.exception("Seam event row %s could not be processed", seam_event_pk)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
