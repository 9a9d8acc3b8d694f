"""Every row one workspace owns, to prove a refused request changed nothing in it (the matrices of pages,
admin and hooks compare one taken before the request with one taken after)."""

from django.apps import apps

from portal.models import Membership, Workspace
from portal.tenancy import TenantModel


def tenant_snapshot(workspace) -> dict:
    rows = {
        "workspace": list(Workspace.objects.filter(pk=workspace.pk).values()),
        "memberships": list(Membership.objects.filter(workspace=workspace).order_by("pk").values()),
    }
    for model in apps.get_models():
        if issubclass(model, TenantModel):
            rows[model._meta.label] = list(model.objects.for_workspace(workspace).order_by("pk").values())
    return rows
