"""The door's code rules in the device API come from the apps that know them (accesscodes registers its
provider rules in its AppConfig.ready()); devices itself only knows what Seam reports."""

from collections.abc import Callable

_describers: list[Callable] = []


def register_rule_describer(describe: Callable) -> None:
    """`describe(device) -> list[str]`: sentences a person reads about the codes this door accepts."""
    if describe not in _describers:
        _describers.append(describe)


def rule_sentences(device) -> list[str]:
    return [sentence for describe in _describers for sentence in describe(device)]
