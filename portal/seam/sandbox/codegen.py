"""PIN constraints (Seam's `code_constraints[].constraint_type`) and PIN generation honouring them."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

_SEQUENCE_UP = "0123456789"
_SEQUENCE_DOWN = "9876543210"


def _is_sequence(code: str) -> bool:
    return code in _SEQUENCE_UP or code in _SEQUENCE_DOWN


def _has_triple_run(code: str) -> bool:
    return any(_is_sequence(code[i : i + 3]) for i in range(len(code) - 2))


# Constraints naming digits the lock's keypad lacks: "cannot_contain_089" means no 0, no 8 and no 9
# anywhere in the code (the lock takes only 1 to 7), not the substring "089".
FORBIDDEN_DIGITS = {
    "no_zeros": frozenset("0"),
    "cannot_contain_089": frozenset("089"),
    "cannot_contain_0789": frozenset("0789"),
}


def _avoids(digits: frozenset[str]) -> Callable[[str], bool]:
    return lambda code: digits.isdisjoint(code)


CHECKS = {
    **{name: _avoids(digits) for name, digits in FORBIDDEN_DIGITS.items()},
    "cannot_start_with_12": lambda code: not code.startswith("12"),
    "no_triple_consecutive_ints": lambda code: not _has_triple_run(code),
    "no_ascending_or_descending_sequence": lambda code: not _is_sequence(code),
    "at_least_three_unique_digits": lambda code: len(set(code)) >= 3,
    "no_all_same_digits": lambda code: len(set(code)) > 1,
}


def constraint_violations(code: str, constraints: Iterable[dict]) -> list[str]:
    return [
        item["constraint_type"]
        for item in constraints
        if item.get("constraint_type") in CHECKS and not CHECKS[item["constraint_type"]](code)
    ]


def generate_code(
    length: int,
    *,
    constraints: Iterable[dict] = (),
    taken: set[str] | frozenset[str] = frozenset(),
    prefix: str = "",
    rng: random.Random | None = None,
) -> str:
    """A random PIN of `length` digits that satisfies the constraints and is not already on the lock."""
    rng = rng or random.SystemRandom()
    constraints = list(constraints)
    forbidden = set().union(*(FORBIDDEN_DIGITS.get(item.get("constraint_type"), ()) for item in constraints))
    # Drawing only from the digits the lock takes keeps generation quick on a 1-to-6 keypad.
    digits = [digit for digit in "0123456789" if digit not in forbidden]
    for _ in range(10_000):
        code = prefix + "".join(rng.choice(digits) for _ in range(length - len(prefix)))
        # Trivial PINs are what people guess first; Seam never hands them out either.
        if len(set(code)) < 2 or _is_sequence(code):
            continue
        if code not in taken and not constraint_violations(code, constraints):
            return code
    raise RuntimeError("Could not generate a free PIN for this device")
