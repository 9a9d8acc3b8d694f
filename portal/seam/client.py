"""The project's one Seam HTTP client.

Every Seam endpoint is `POST {base_url}/{route}` with a JSON body and a Bearer API key. This module owns
the transport concerns (timeouts, retries, error mapping, pagination, logging); the typed methods at the
bottom only name routes and unwrap the resource from Seam's `{"ok": true, "<resource>": ...}` envelope.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
from django.conf import settings

from portal.seam.encoding import compact, encode_body
from portal.seam.errors import (
    SeamError,
    SeamSettingsUnusable,
    SeamUnavailable,
    error_from_response,
    error_from_transport,
)
from portal.seam.retry import is_retryable_route, retry_delay

logger = logging.getLogger("portal.seam")

DEFAULT_PAGE_LIMIT = 500


class SeamClient:
    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_base: float | None = None,
        *,
        backoff_cap: float = 8.0,
        max_retry_after: float = 30.0,
    ):
        if not api_key:
            raise ValueError("A Seam API key is required.")
        self.base_url = (base_url or settings.SEAM_API_URL).rstrip("/")
        self.connect_timeout = settings.SEAM_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        self.read_timeout = settings.SEAM_READ_TIMEOUT if read_timeout is None else read_timeout
        self.max_retries = settings.SEAM_MAX_RETRIES if max_retries is None else max_retries
        self.backoff_base = settings.SEAM_BACKOFF_BASE if backoff_base is None else backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        # Kept only to scrub it from any text Seam might echo back; it is never logged or shown in repr.
        self._secret = api_key
        self._http = httpx.Client(
            base_url=self.base_url,
            # Writes get the read timeout; waiting for a free pooled connection gets the connect timeout.
            timeout=httpx.Timeout(
                connect=self.connect_timeout,
                read=self.read_timeout,
                write=self.read_timeout,
                pool=self.connect_timeout,
            ),
            # httpx masks Authorization in its own reprs of headers.
            headers={
                "Authorization": f"Bearer {api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "lockportal-seam-client",
            },
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"<SeamClient base_url={self.base_url!r}>"

    def __enter__(self) -> SeamClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- transport -------------------------------------------------------------------------------

    def request(self, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST one route and return the decoded success body, retrying only where that is safe."""
        route = route.strip("/")
        content = encode_body(body or {})
        max_attempts = 1 + max(0, self.max_retries) if is_retryable_route(route) else 1
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(route, content, attempt)
            except SeamError as error:
                error.attempts = attempt
                if error.permanent or attempt >= max_attempts:
                    raise
                delay = retry_delay(
                    error,
                    attempt,
                    base=self.backoff_base,
                    cap=self.backoff_cap,
                    max_retry_after=self.max_retry_after,
                )
                if delay is None:
                    raise
            time.sleep(delay)

    def _attempt(self, route: str, content: bytes, attempt: int) -> dict[str, Any]:
        """One HTTP exchange: the decoded body, or a SeamError describing the failure."""
        started = time.monotonic()
        try:
            response = self._http.post(f"/{route}", content=content)
        except httpx.TransportError as exc:
            self._log(route, exc.__class__.__name__, attempt, started)
            raise error_from_transport(route, exc) from exc
        self._log(route, response.status_code, attempt, started)
        if not response.is_success:
            raise error_from_response(route, response, redact=self._redact)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("ok") is False:
            # A 2xx that is not Seam's envelope (e.g. a proxy page): it got somewhere, result unknown.
            raise SeamUnavailable(
                "Seam answered with an unexpected body",
                type="invalid_response",
                status_code=response.status_code,
                route=route,
                outcome_unknown=True,
            )
        return data

    def _log(self, route: str, status: int | str, attempt: int, started: float) -> None:
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        level = logging.DEBUG if isinstance(status, int) and status < 400 else logging.WARNING
        logger.log(
            level,
            "seam route=%s status=%s attempt=%d duration_ms=%.1f",
            route,
            status,
            attempt,
            duration_ms,
            extra={
                "seam_route": route,
                "seam_status": status,
                "seam_attempt": attempt,
                "seam_ms": duration_ms,
            },
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]")

    def paginate(
        self,
        route: str,
        body: dict[str, Any] | None = None,
        *,
        items_key: str,
        limit: int = DEFAULT_PAGE_LIMIT,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield one list per page, following `pagination.next_page_cursor` while `has_next_page`.

        Every page repeats the first request's parameters: Seam ties a cursor to the query that made it.
        Routes that do not paginate (no `pagination` key) simply yield a single page.
        """
        base = {**(body or {}), "limit": limit}
        cursor = None
        seen: set[str] = set()
        while True:
            data = self.request(route, base if cursor is None else {**base, "page_cursor": cursor})
            yield data.get(items_key) or []
            pagination = data.get("pagination") or {}
            cursor = pagination.get("next_page_cursor")
            if not pagination.get("has_next_page") or not cursor:
                return
            if cursor in seen:
                raise SeamError(
                    "Seam returned the same page cursor twice", type="pagination_loop", route=route
                )
            seen.add(cursor)

    def _all(self, route: str, body: dict[str, Any] | None = None, *, items_key: str) -> list[dict[str, Any]]:
        return [item for page in self.paginate(route, body, items_key=items_key) for item in page]

    # -- workspaces, devices, connected accounts ---------------------------------------------------

    def workspaces_get(self) -> dict[str, Any]:
        return self.request("workspaces/get")["workspace"]

    def devices_list(self, **filters: Any) -> list[dict[str, Any]]:
        return [device for page in self.iter_device_pages(**filters) for device in page]

    def iter_device_pages(
        self, limit: int = DEFAULT_PAGE_LIMIT, **filters: Any
    ) -> Iterator[list[dict[str, Any]]]:
        return self.paginate("devices/list", compact(**filters), items_key="devices", limit=limit)

    def devices_get(self, *, device_id: str) -> dict[str, Any]:
        return self.request("devices/get", {"device_id": device_id})["device"]

    def connected_accounts_list(self) -> list[dict[str, Any]]:
        return self._all("connected_accounts/list", items_key="connected_accounts")

    def connected_accounts_get(self, *, connected_account_id: str) -> dict[str, Any]:
        body = {"connected_account_id": connected_account_id}
        return self.request("connected_accounts/get", body)["connected_account"]

    # -- access codes --------------------------------------------------------------------------------

    def access_codes_create(self, *, device_id: str, **params: Any) -> dict[str, Any]:
        """Never retried here: on SeamUnavailable with `outcome_unknown`, reconcile before creating again."""
        return self.request("access_codes/create", {**params, "device_id": device_id})["access_code"]

    def access_codes_get(self, *, access_code_id: str) -> dict[str, Any]:
        return self.request("access_codes/get", {"access_code_id": access_code_id})["access_code"]

    def access_codes_list(
        self, *, device_id: str | None = None, access_code_ids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        body = compact(device_id=device_id, access_code_ids=access_code_ids)
        return self._all("access_codes/list", body, items_key="access_codes")

    def access_codes_update(self, *, access_code_id: str, **params: Any) -> dict[str, Any] | None:
        data = self.request("access_codes/update", {**params, "access_code_id": access_code_id})
        return data.get("action_attempt")

    def access_codes_delete(self, *, access_code_id: str) -> dict[str, Any] | None:
        """Retried on transient failures, so a SeamNotFound with `attempts > 1` usually means an earlier
        attempt already deleted the code."""
        return self.request("access_codes/delete", {"access_code_id": access_code_id}).get("action_attempt")

    def access_codes_unmanaged_list(self, *, device_id: str) -> list[dict[str, Any]]:
        return self._all("access_codes/unmanaged/list", {"device_id": device_id}, items_key="access_codes")

    def access_codes_pull_backup_access_code(self, *, access_code_id: str) -> dict[str, Any]:
        body = {"access_code_id": access_code_id}
        return self.request("access_codes/pull_backup_access_code", body)["backup_access_code"]

    def action_attempts_get(self, *, action_attempt_id: str) -> dict[str, Any]:
        return self.request("action_attempts/get", {"action_attempt_id": action_attempt_id})["action_attempt"]

    # -- events, webhooks, connect webviews -------------------------------------------------------------

    def events_list(
        self,
        *,
        since: Any = None,
        between: list[Any] | None = None,
        device_id: str | None = None,
        access_code_id: str | None = None,
        event_types: list[str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        body = compact(
            since=since,
            between=between,
            device_id=device_id,
            access_code_id=access_code_id,
            event_types=event_types,
            limit=limit,
        )
        return self.request("events/list", body)["events"]

    def webhooks_create(self, *, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
        return self.request("webhooks/create", compact(url=url, event_types=event_types))["webhook"]

    def webhooks_get(self, *, webhook_id: str) -> dict[str, Any]:
        return self.request("webhooks/get", {"webhook_id": webhook_id})["webhook"]

    def webhooks_list(self) -> list[dict[str, Any]]:
        return self.request("webhooks/list")["webhooks"]

    def webhooks_delete(self, *, webhook_id: str) -> None:
        self.request("webhooks/delete", {"webhook_id": webhook_id})

    def connect_webviews_create(self, **params: Any) -> dict[str, Any]:
        return self.request("connect_webviews/create", params)["connect_webview"]

    def connect_webviews_get(self, *, connect_webview_id: str) -> dict[str, Any]:
        body = {"connect_webview_id": connect_webview_id}
        return self.request("connect_webviews/get", body)["connect_webview"]


class RefusingSeamClient(SeamClient):
    """Stands in for a workspace whose key or URL must not be used: every request fails, before anything
    is sent, with the reason, so each caller records it like any other Seam failure."""

    def __init__(self, reason: str, base_url: str):
        self.reason = reason
        self.base_url = base_url

    def close(self) -> None:
        pass

    def request(self, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        raise SeamSettingsUnusable(self.reason, route=route.strip("/"))


def seam_client_for_workspace(workspace, **options: Any) -> SeamClient:
    """A client for one tenant: its own key and, for sandbox workspaces, its own base URL."""
    problem = workspace.seam_settings_problem()
    if problem:
        return RefusingSeamClient(problem, base_url=workspace.effective_seam_api_url)
    return SeamClient(api_key=workspace.seam_api_key, base_url=workspace.effective_seam_api_url, **options)
