from portal.outbound.models import WebhookDelivery


def webhook_deliveries_due(*, now):
    """(workspace id, delivery id) of every delivery whose next attempt is due, across workspaces (the
    dispatcher's maintenance read; each attempt then works in its own workspace)."""
    return (
        WebhookDelivery.objects.dangerously_all_workspaces()
        .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("workspace_id", "pk")
    )


def webhook_deliveries_expired(*, before):
    return (
        WebhookDelivery.objects.dangerously_all_workspaces()
        .filter(created_at__lt=before)
        .exclude(status=WebhookDelivery.Status.PENDING)
    )
