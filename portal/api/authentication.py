"""`Authorization: Bearer <token>`: the token names its workspace, and the API acts on that workspace only."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from portal.models import ApiToken
from portal.services import api_token_hash

# `last_used_at` is written at most this often, so reads do not turn into a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenUser:
    """Who `request.user` is for a token request: the integration, not a person."""

    token: ApiToken
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    @property
    def pk(self):
        return None

    def __str__(self):
        return f"API token {self.token.prefix}…"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, clear = header.partition(" ")
        if keyword != self.keyword or not clear.strip() or " " in clear.strip():
            raise exceptions.AuthenticationFailed("Send the token as `Authorization: Bearer <token>`.")
        token = (
            ApiToken.objects.dangerously_all_workspaces()
            .select_related("workspace")
            .filter(token_hash=api_token_hash(clear.strip()), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("This token is unknown or revoked.")
        self._touch(token)
        return TokenUser(token=token), token

    def authenticate_header(self, request):
        return self.keyword

    @staticmethod
    def _touch(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.for_workspace(token.workspace_id).filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
