"""Webhooks out: the workspace's endpoints, and signed deliveries of what happened, with retries.

This package names no app. Apps register the event types they send (`events.webhook_event_type_register`)
in their `AppConfig.ready()` and call `services.webhook_event_emit` from their own receivers.
"""
