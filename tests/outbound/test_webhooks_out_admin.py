"""Endpoints and the delivery log in the admin: workspace admins only, scoped to their workspaces, the
secret shown once and stored encrypted, redelivery as an action, a constant number of queries per list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Role, WebhookDelivery, WebhookEndpoint
from portal.outbound.services import webhook_endpoint_create, webhook_event_emit

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.com/portal"


def emit(workspace, count=1):
    for number in range(count):
        webhook_event_emit(workspace_id=workspace.pk, event_type="access_code.set", data={"n": number})


def test_the_secret_is_shown_once_on_creation_and_stored_encrypted(alice_client, workspace_a):
    response = alice_client.post(
        reverse("admin:portal_webhookendpoint_add"),
        {
            "workspace": workspace_a.pk,
            "url": URL,
            "description": "PMS",
            "event_types": ["booking.codes_ready"],
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.for_workspace(workspace_a).get()
    assert endpoint.event_types == ["booking.codes_ready"]
    secret = endpoint.secret
    assert secret.startswith("whsec_")
    assert secret in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")

    change_page = alice_client.get(reverse("admin:portal_webhookendpoint_change", args=[endpoint.pk]))
    list_page = alice_client.get(reverse("admin:portal_webhookendpoint_changelist"))
    assert secret not in change_page.content.decode() + list_page.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM portal_webhookendpoint WHERE id = %s", [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert secret not in repr(endpoint.secret)


def test_the_admin_refuses_a_private_address(alice_client, workspace_a):
    response = alice_client.post(
        reverse("admin:portal_webhookendpoint_add"),
        {"workspace": workspace_a.pk, "url": "https://169.254.169.254/latest", "description": ""},
    )
    assert response.status_code == 200
    assert "must be on the public internet" in response.content.decode()
    assert not WebhookEndpoint.objects.for_workspace(workspace_a).exists()


def test_managers_do_not_manage_endpoints_and_nobody_sees_another_workspace(
    client, two_workspaces, member, bob
):
    workspace_a, _ = two_workspaces
    endpoint_a, _ = webhook_endpoint_create(workspace=workspace_a, url=URL)
    emit(workspace_a)
    delivery_a = WebhookDelivery.objects.for_workspace(workspace_a).get()

    client.force_login(member(workspace_a, Role.MANAGER))
    assert client.get(reverse("admin:portal_webhookendpoint_changelist")).status_code == 403
    assert client.get(reverse("admin:portal_webhookdelivery_changelist")).status_code == 403

    client.force_login(bob)  # owner of B only
    for name, obj in (("webhookendpoint", endpoint_a), ("webhookdelivery", delivery_a)):
        page = client.get(reverse(f"admin:portal_{name}_change", args=[obj.pk]))
        assert page.status_code == 302  # Django's "does not exist" redirect, as for any unknown id
        listing = client.get(reverse(f"admin:portal_{name}_changelist"))
        assert listing.status_code == 200 and URL not in listing.content.decode()


def test_redelivery_from_the_delivery_log(alice_client, workspace_a):
    webhook_endpoint_create(workspace=workspace_a, url=URL)
    emit(workspace_a)
    delivery = WebhookDelivery.objects.for_workspace(workspace_a).get()
    WebhookDelivery.objects.for_workspace(workspace_a).update(
        status=WebhookDelivery.Status.FAILED, attempt_count=7
    )

    response = alice_client.post(
        reverse("admin:portal_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (WebhookDelivery.Status.PENDING, 0)
    page = alice_client.get(reverse("admin:portal_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and delivery.event_id in page.content.decode()


def test_the_delivery_log_lists_in_a_constant_number_of_queries(alice_client, workspace_a):
    for number in range(3):
        webhook_endpoint_create(workspace=workspace_a, url=f"{URL}/{number}")

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(reverse("admin:portal_webhookdelivery_changelist")).status_code == 200
        return len(captured)

    emit(workspace_a, count=1)
    few = queries_for_list()
    emit(workspace_a, count=10)
    assert queries_for_list() == few
