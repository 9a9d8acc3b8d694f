"""Tedee: 5-8 digit PINs with at least 3 different digits, not an ascending/descending sequence.

Source: Seam "Tedee Locks" guide, Access (PIN) Code Requirements
(https://docs.seam.co/latest/device-and-system-integration-guides/tedee-locks): not empty, 5-8
characters, digits 0-9 only, at least three different digits, "cannot be built as an ascending or
descending sequence". The last two are the device constraints `at_least_three_unique_digits` and
`no_ascending_or_descending_sequence` (seamapi/types tags both "Tedee"), implied here; see
device_constraints.py for the sequence reading (12345, 98765, and 67890 via the 9->0 wrap).
"""

from __future__ import annotations

from .base import Provider


class TedeeProvider(Provider):
    key = "tedee"
    brand = "Tedee"
    code_length = (5, 8)
    implied_constraints = frozenset({"at_least_three_unique_digits", "no_ascending_or_descending_sequence"})
