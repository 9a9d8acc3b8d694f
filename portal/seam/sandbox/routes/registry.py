"""Route table for Seam's API: "<resource>/<action>" -> handler(call) -> response fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from portal.seam.sandbox.params import Params
from portal.seam.sandbox.records import Workspace

if TYPE_CHECKING:
    from portal.seam.sandbox.core import Sandbox


@dataclass
class Call:
    sandbox: Sandbox
    workspace: Workspace
    params: Params
    route: str
    base_url: str

    @property
    def now(self) -> datetime:
        return self.sandbox.clock.now()


Handler = Callable[[Call], dict[str, Any]]
ROUTES: dict[str, Handler] = {}


def route(*paths: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for path in paths:
            ROUTES[path] = handler
        return handler

    return register
