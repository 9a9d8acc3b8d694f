"""A code policy (a property's, with a unit's overrides) in sentences a manager reads."""

from accesscodes.bookings.models import PIN_SOURCE_CHOICES

PIN_SOURCE_WORDS = dict(PIN_SOURCE_CHOICES)


def minutes_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def policy_words(policy: dict) -> list[str]:
    length = (
        f"{policy['pin_length']} digits" if policy["pin_length"] else "the shortest length every door accepts"
    )
    early, late = policy["early_access_minutes"], policy["late_access_minutes"]
    return [
        f"PIN: {PIN_SOURCE_WORDS.get(policy['pin_source'], policy['pin_source']).lower()}, {length}.",
        "Codes start "
        + (f"{minutes_words(early)} before check-in" if early else "at check-in")
        + " and end "
        + (f"{minutes_words(late)} after check-out." if late else "at check-out."),
        "The same PIN on every door when every door can take it."
        if policy["same_pin_on_every_door"]
        else "Each door gets its own PIN.",
        "Doors without an online connection get an offline code."
        if policy["offline_fallback"]
        else "Doors without an online connection get no code.",
        f"Every door's code must be on the lock {minutes_words(policy['readiness_lead_minutes'])} before check-in.",
        "A late door gets a backup code from its pool where it has one."
        if policy["use_backup_pool"]
        else "Backup code pools are not used.",
        f"Guest contact data is redacted {policy['guest_data_retention_days']} days after check-out.",
    ]
