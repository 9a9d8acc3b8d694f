"""webhooks/* and connect_webviews/*."""

from __future__ import annotations

from urllib.parse import urlsplit

from portal.seam.sandbox.api_errors import invalid_input, not_found
from portal.seam.sandbox.params import iso, new_id
from portal.seam.sandbox.routes.registry import Call, route
from portal.seam.sandbox.webhooks import new_secret


@route("webhooks/create")
def webhooks_create(call: Call) -> dict:
    url = call.params.text("url", required=True)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise invalid_input("url must be an http(s) URL", field="url")
    webhook = {
        "webhook_id": new_id(),
        "url": url,
        "event_types": call.params.strings("event_types") or [],
        "secret": new_secret(),
        "created_at": iso(call.now),
    }
    call.workspace.webhooks[webhook["webhook_id"]] = webhook
    call.sandbox.mark_dirty()
    return {"webhook": webhook}


@route("webhooks/list")
def webhooks_list(call: Call) -> dict:
    return {"webhooks": list(call.workspace.webhooks.values())}


def _webhook(call: Call) -> dict:
    webhook = call.workspace.webhooks.get(call.params.text("webhook_id", required=True))
    if webhook is None:
        raise not_found("webhook_not_found", "Webhook not found")
    return webhook


@route("webhooks/get")
def webhooks_get(call: Call) -> dict:
    return {"webhook": _webhook(call)}


@route("webhooks/update")
def webhooks_update(call: Call) -> dict:
    webhook = _webhook(call)
    webhook["event_types"] = call.params.strings("event_types") or []
    call.sandbox.mark_dirty()
    return {}


@route("webhooks/delete")
def webhooks_delete(call: Call) -> dict:
    call.workspace.webhooks.pop(_webhook(call)["webhook_id"])
    call.sandbox.mark_dirty()
    return {}


@route("connect_webviews/create")
def connect_webviews_create(call: Call) -> dict:
    webview_id = new_id()
    webview = {
        "connect_webview_id": webview_id,
        "workspace_id": call.workspace.workspace_id,
        # Opening this URL in a browser plays the part of the user logging in to their lock account.
        "url": f"{call.base_url}/_sandbox/connect_webviews/authorize?connect_webview_id={webview_id}",
        "status": "pending",
        "login_successful": False,
        "connected_account_id": None,
        "accepted_providers": call.params.strings("accepted_providers") or [],
        "accepted_devices": [],
        "any_device_allowed": True,
        "any_provider_allowed": not call.params.strings("accepted_providers"),
        "custom_redirect_url": call.params.text("custom_redirect_url"),
        "custom_redirect_failure_url": call.params.text("custom_redirect_failure_url"),
        "custom_metadata": call.params.data.get("custom_metadata") or {},
        "device_selection_mode": "none",
        "selected_provider": None,
        "created_at": iso(call.now),
        "authorized_at": None,
    }
    call.workspace.connect_webviews[webview_id] = webview
    call.sandbox.mark_dirty()
    return {"connect_webview": webview}


@route("connect_webviews/get")
def connect_webviews_get(call: Call) -> dict:
    webview = call.workspace.connect_webviews.get(call.params.text("connect_webview_id", required=True))
    if webview is None:
        raise not_found("connect_webview_not_found", "Connect webview not found")
    return {"connect_webview": webview}


@route("connect_webviews/list")
def connect_webviews_list(call: Call) -> dict:
    return {"connect_webviews": list(call.workspace.connect_webviews.values())}
