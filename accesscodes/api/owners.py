"""Which booking owns an access code, without accesscodes knowing bookings: the bookings app registers its
lookup here in its AppConfig.ready(), and the API asks every registered lookup once per page."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class OwnerLookup:
    # (workspace, access_code_ids) -> {access_code_id: booking_id}, in one query.
    booking_ids: Callable[[object, Iterable[int]], dict[int, int]]
    # workspace -> a values("access_code_id") queryset of the codes it owns, for `has_booking` filters.
    owned_access_code_ids: Callable[[object], QuerySet]


_lookups: list[OwnerLookup] = []


def register_owner_lookup(lookup: OwnerLookup) -> None:
    if lookup not in _lookups:
        _lookups.append(lookup)


def booking_ids_for(workspace, access_code_ids: Iterable[int]) -> dict[int, int]:
    ids = list(access_code_ids)
    found: dict[int, int] = {}
    if not ids:
        return found
    for lookup in _lookups:
        found.update(lookup.booking_ids(workspace, ids))
    return found


def owned_access_code_querysets(workspace) -> list[QuerySet]:
    return [lookup.owned_access_code_ids(workspace) for lookup in _lookups]
