"""API fixtures: workspace tokens and clients that send them, as an integration would."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from portal.models import ApiToken
from portal.services import api_token_create


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_token():
    def make(workspace, scope=ApiToken.Scope.WRITE, name="Integration"):
        return api_token_create(workspace=workspace, name=name, scope=scope)

    return make


@pytest.fixture
def token_client(make_token):
    """`token_client(workspace, scope=...)`: an APIClient sending that workspace's new token."""

    def make(workspace, scope=ApiToken.Scope.WRITE):
        _, clear = make_token(workspace, scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}")
        return client

    return make


@pytest.fixture
def api_a(workspace_a, token_client):
    """Workspace A's write token."""
    return token_client(workspace_a)
