"""Seam API routes. Importing this package registers every handler in ROUTES."""

from portal.seam.sandbox.routes import access_codes, devices, events, webhooks
from portal.seam.sandbox.routes.registry import ROUTES, Call

__all__ = ["ROUTES", "Call", "access_codes", "devices", "events", "webhooks"]
