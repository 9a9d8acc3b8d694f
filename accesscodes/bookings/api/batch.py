"""POST /bookings/batch/: up to 100 bookings in one request, for integrations that send many at once.

Each item is read as POST /bookings/ reads it and applied by `bookings_upsert_batch`, in order, together in
one transaction: each item succeeds or fails alone (a failed item writes nothing and says why), and the
new bookings of a request cost a constant number of statements."""

from django.core.exceptions import ValidationError

from accesscodes.bookings.api.payload import BookingPayloadSerializer, payload_units
from accesscodes.bookings.batch import bookings_upsert_batch
from accesscodes.bookings.selectors import bookings_attach_codes_and_alerts
from accesscodes.bookings.services import BookingUpsert
from portal.api.errors import django_validation_detail, invalid_input_error

NOT_SAVED = {
    "type": "server_error",
    "message": "This booking could not be saved; it has been logged. Send it again.",
    "validation_errors": {},
}


def bookings_batch_apply(*, workspace, items: list[dict], context: dict) -> list[dict]:
    """One result per item, in order: `{"index", "result", "booking", "error"}`, the bookings carrying
    their codes and open alerts."""
    results = [
        {"index": index, "result": "failed", "booking": None, "error": None} for index in range(len(items))
    ]
    context = {**context, "units": payload_units(workspace=workspace, items=items)}
    valid = []
    for index, item in enumerate(items):
        payload = BookingPayloadSerializer(data=item, context=context)
        if payload.is_valid():
            valid.append((index, BookingUpsert(**payload.validated_data)))
        else:
            results[index]["error"] = invalid_input_error(payload.errors)
    outcomes = bookings_upsert_batch(workspace=workspace, items=[upsert for _, upsert in valid])
    for (index, _), outcome in zip(valid, outcomes, strict=True):
        results[index].update(result=outcome.result, booking=outcome.booking, error=_error_of(outcome.error))
    bookings_attach_codes_and_alerts(
        workspace=workspace, bookings=[result["booking"] for result in results if result["booking"]]
    )
    return results


def _error_of(error: Exception | None) -> dict | None:
    if error is None:
        return None
    if isinstance(error, ValidationError):
        return invalid_input_error(django_validation_detail(error))
    return NOT_SAVED  # logged by the batch
