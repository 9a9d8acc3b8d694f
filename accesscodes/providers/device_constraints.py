"""Rules a device reports about itself, which apply whatever the brand.

Seam puts them in `device.properties` (Seam docs "Understanding Code Constraints",
https://docs.seam.co/latest/capability-guides/smart-locks/access-codes/creating-access-codes/understanding-code-constraints,
and the `code_constraints` enum in seamapi/types):

- `supported_code_lengths`: the PIN lengths the lock takes.
- `max_active_codes_supported`: how many codes the lock holds at once (checked in base.py, which
  knows the other codes' windows).
- `code_constraints[]`, one object per rule, keyed by `constraint_type`. Brands may imply some of
  these themselves (Nuki: no_zeros, cannot_start_with_12; Tedee: ...); the engine checks the union
  once, so a rule reported twice gives one message.

Readings where Seam's one-line description is ambiguous (stricter reading chosen, so the portal
never sends Seam a code the lock may refuse):

- `no_triple_consecutive_ints` ("No more than 3 digits in a row can be consecutive or the same"):
  refuse any run of three digits that are the same (111) or step by +1 or -1 (123, 321).
- `no_ascending_or_descending_sequence` ("cannot consist of a sequence of consecutive digits"):
  refuse a code whose every digit steps by +1, or every digit by -1, wrapping 9->0 (67890) and
  0->9, as the keypad row reads.
- `unique_first_four_digits` (Schlage): no other code whose occupancy overlaps this one may share
  the first four digits (checked in base.py alongside PIN uniqueness).
- `pin_code_matches_existing_set` (Salto): the set is not visible to the portal; described only.
- `start_date_in_future`, `name_length`, `name_must_be_unique`: need the draft's times and names,
  so base.py applies them with the helpers below.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping

# Constraint types the engine understands (others are ignored, and listed by describe_rules).
CANNOT_SPECIFY_PIN = "cannot_specify_pin_code"
START_IN_FUTURE = "start_date_in_future"
UNIQUE_FIRST_FOUR = "unique_first_four_digits"
NAME_LENGTH = "name_length"
NAME_UNIQUE = "name_must_be_unique"
MATCHES_EXISTING_SET = "pin_code_matches_existing_set"


def _steps(code: str) -> list[int]:
    return [(int(b) - int(a)) % 10 for a, b in itertools.pairwise(code)]


def _has_triple_run(code: str) -> bool:
    for a, b, c in zip(code, code[1:], code[2:], strict=False):
        first, second = int(b) - int(a), int(c) - int(b)
        if first == second and first in (-1, 0, 1):
            return True
    return False


def _is_pure_sequence(code: str) -> bool:
    steps = _steps(code)
    return bool(steps) and (all(s == 1 for s in steps) or all(s == 9 for s in steps))


# constraint_type -> (code is refused?, message with {target} = "this lock" or "Nuki locks", ...)
PIN_PATTERN_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "no_zeros": (lambda code: "0" in code, "Codes for {target} cannot contain the digit 0."),
    "cannot_start_with_12": (lambda code: code.startswith("12"), "Codes for {target} cannot start with 12."),
    "no_triple_consecutive_ints": (
        _has_triple_run,
        "Codes for {target} cannot have three digits in a row that are the same or consecutive "
        "(like 111, 123 or 321).",
    ),
    "no_ascending_or_descending_sequence": (
        _is_pure_sequence,
        "Codes for {target} cannot be a plain ascending or descending sequence (like 12345 or 8765).",
    ),
    "at_least_three_unique_digits": (
        lambda code: len(set(code)) < 3,
        "Codes for {target} must contain at least 3 different digits.",
    ),
    "no_all_same_digits": (
        lambda code: len(set(code)) == 1,
        "Codes for {target} cannot repeat a single digit (like 1111).",
    ),
    "cannot_contain_089": (
        lambda code: any(d in code for d in "089"),
        "Codes for {target} can only use the digits 1 to 7 (no 0, 8 or 9).",
    ),
    "cannot_contain_0789": (
        lambda code: any(d in code for d in "0789"),
        "Codes for {target} can only use the digits 1 to 6 (no 0, 7, 8 or 9).",
    ),
}

# Sentences for describe_rules, one per constraint type.
DESCRIPTIONS: dict[str, str] = {
    "no_zeros": "Codes cannot contain the digit 0.",
    "cannot_start_with_12": "Codes cannot start with 12.",
    "no_triple_consecutive_ints": "Codes cannot have three same or consecutive digits in a row (111, 123, 321).",
    "no_ascending_or_descending_sequence": "Codes cannot be a plain ascending or descending sequence.",
    "at_least_three_unique_digits": "Codes need at least 3 different digits.",
    "no_all_same_digits": "Codes cannot repeat a single digit (1111).",
    "cannot_contain_089": "Codes can only use the digits 1 to 7.",
    "cannot_contain_0789": "Codes can only use the digits 1 to 6.",
    CANNOT_SPECIFY_PIN: "You cannot choose the PIN: the lock provider generates it.",
    START_IN_FUTURE: "Time-bound codes must start in the future.",
    UNIQUE_FIRST_FOUR: "The first four digits of each code must differ from every other code on the lock.",
    NAME_UNIQUE: "Each code on the lock needs a different name.",
    MATCHES_EXISTING_SET: "A chosen PIN must match one already used in the lock provider's account.",
}


def constraint_types(code_constraints: Iterable[Mapping]) -> frozenset[str]:
    return frozenset(
        c.get("constraint_type")
        for c in code_constraints
        if isinstance(c, Mapping) and c.get("constraint_type")
    )


def name_length_bounds(code_constraints: Iterable[Mapping]) -> tuple[int | None, int | None]:
    """The tightest min/max over every reported name_length constraint."""
    low: int | None = None
    high: int | None = None
    for c in code_constraints:
        if not isinstance(c, Mapping) or c.get("constraint_type") != NAME_LENGTH:
            continue
        if isinstance(c.get("min_length"), int):
            low = c["min_length"] if low is None else max(low, c["min_length"])
        if isinstance(c.get("max_length"), int):
            high = c["max_length"] if high is None else min(high, c["max_length"])
    return low, high


def lengths_text(lengths: Iterable[int]) -> str:
    """'4 to 8' for a contiguous set, else '4, 6 or 8'."""
    values = sorted(set(lengths))
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]} to {values[-1]}"
    if len(values) == 1:
        return str(values[0])
    return ", ".join(str(v) for v in values[:-1]) + f" or {values[-1]}"


def supported_length_error(supported: Iterable[int], code: str) -> str | None:
    lengths = tuple(supported)
    if not lengths or len(code) in lengths:
        return None
    return (
        f"This lock accepts codes of {lengths_text(lengths)} digits (supported_code_lengths); "
        f"this one has {len(code)}."
    )


def pin_pattern_errors(code: str, types: Iterable[str], *, target_for: Callable[[str], str]) -> list[str]:
    """Messages for every pattern constraint in `types` the code breaks (never quoting the code)."""
    messages = []
    for constraint in sorted(set(types)):
        rule = PIN_PATTERN_RULES.get(constraint)
        if rule and rule[0](code):
            messages.append(rule[1].format(target=target_for(constraint)))
    return messages
