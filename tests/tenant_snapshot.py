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


def foreign_references(workspace) -> list[str]:
    """Rows of `workspace` whose foreign key points to a row of another workspace: each a leak, however it
    was written (a form choice, a hook, an admin inline). Empty when every reference stays inside."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, TenantModel):
            continue
        for field in model._meta.concrete_fields:
            if not (field.is_relation and issubclass(field.related_model, TenantModel)):
                continue
            rows = model.objects.for_workspace(workspace).filter(**{f"{field.name}__isnull": False})
            outside = rows.exclude(**{f"{field.name}__workspace": workspace}).values_list("pk", flat=True)
            found += [f"{model._meta.label} {pk}.{field.name}" for pk in outside]
    return found
