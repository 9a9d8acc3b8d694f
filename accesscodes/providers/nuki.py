"""Nuki: no digit 0, and a code cannot start with 12.

Sources: Seam "Nuki Locks" guide ("Nuki does not allow the use of zeros in PIN codes",
https://docs.seam.co/latest/device-guides/nuki-locks) and Seam's "Access Code Requirements for Door
Locks" sample, where a Nuki device reports `cannot_start_with_12` and `no_zeros`
(constraint enum comments in seamapi/types also tag both "Nuki").

Both are expressed as implied device constraints, so a Nuki device that also reports them gets one
message per rule. Nuki's own pages describe 6-digit keypad codes; Seam's pages do not, so length is
left to the device's `supported_code_lengths` and the generic 4-12.
"""

from __future__ import annotations

from .base import Provider


class NukiProvider(Provider):
    key = "nuki"
    brand = "Nuki"
    implied_constraints = frozenset({"no_zeros", "cannot_start_with_12"})
