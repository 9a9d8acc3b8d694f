"""Sections that higher apps add to a lower app's page, so the lower app shows them without importing the
higher one. The owning app offers a `PageSections`; each contributing app registers a provider in its
`AppConfig.ready()`; the page renders every section in registration order."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    template_name: str
    context: dict = field(default_factory=dict)


# Called with the page's keyword arguments; returns None to show nothing.
SectionProvider = Callable[..., Section | None]


class PageSections:
    def __init__(self) -> None:
        self._providers: list[SectionProvider] = []

    def register(self, provider: SectionProvider, *, first: bool = False) -> None:
        """`first`: before the sections registered so far (apps register in INSTALLED_APPS order, and a
        higher app's section may be what the page is for)."""
        # Registering the same provider again (a test calling register()) must not show it twice.
        if provider in self._providers:
            return
        if first:
            self._providers.insert(0, provider)
        else:
            self._providers.append(provider)

    def sections(self, **page) -> list[Section]:
        return [section for provider in self._providers if (section := provider(**page)) is not None]


# The workspace page: called with request and access (portal.tenant_views.WorkspaceAccess).
workspace_page = PageSections()
