"""The Seam events inbox in the admin: each failure with its reason, and "Process again" only where the
user is a manager or more, workspace by workspace."""

import pytest
from django.urls import reverse

from portal.models import Role, SeamEvent
from portal.services import membership_set
from tests.events.conftest import seam_event

pytestmark = pytest.mark.django_db


def failed_event(workspace, reason):
    event = seam_event("lock.unlocked", device_id="gone")
    return SeamEvent.objects.create(
        workspace=workspace, seam_event_id=event["event_id"], event_type=event["event_type"], payload=event,
        via="webhook", outcome="failed", error=reason,
    )  # fmt: skip


def test_failures_show_their_reason_and_are_processed_again_only_where_the_user_manages(
    client, two_workspaces, make_user, django_capture_on_commit_callbacks
):
    workspace_a, workspace_b = two_workspaces
    in_a, in_b = failed_event(workspace_a, "Alpha's reason"), failed_event(workspace_b, "Bravo's reason")
    user = make_user("mallory")
    membership_set(workspace=workspace_a, user=user, role=Role.MANAGER)
    membership_set(workspace=workspace_b, user=user, role=Role.VIEWER)
    client.force_login(user)
    changelist = reverse("admin:portal_seamevent_changelist")

    page = client.get(changelist).content.decode()
    assert "Alpha&#x27;s reason" in page and "Bravo&#x27;s reason" in page

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            changelist, {"action": "process_again", "_selected_action": [in_a.pk, in_b.pk]}, follow=True
        )
    messages = [str(message) for message in response.context["messages"]]
    assert "1 event(s) queued to be processed again." in messages
    assert any("needs the manager role" in message for message in messages)
    in_a.refresh_from_db()
    in_b.refresh_from_db()
    assert (in_a.outcome, in_a.error) == ("pending", "") and len(queued) == 1
    assert (in_b.outcome, in_b.error) == ("failed", "Bravo's reason")


def test_another_workspace_events_are_not_listed(client, two_workspaces, alice):
    _, workspace_b = two_workspaces
    failed_event(workspace_b, "Bravo's secret reason")
    client.force_login(alice)
    page = client.get(reverse("admin:portal_seamevent_changelist")).content.decode()
    assert response_ok(page) and "secret reason" not in page


def response_ok(page):
    return "Seam events" in page
