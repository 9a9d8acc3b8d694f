"""Tenant scoping that fails closed.

Every tenant-owned model inherits `TenantModel`. Its default manager returns querysets that refuse to run
until they are scoped with `for_workspace()` / `for_workspaces()` (or a `workspace=` filter, which Django's
own unique checks use). Reading across tenants needs `dangerously_all_workspaces()`, named so that it stands
out in review.
"""

from django.db import models

WORKSPACE_LOOKUPS = frozenset(
    {"workspace", "workspace_id", "workspace__pk", "workspace__id", "workspace__in"}
)


class MissingWorkspaceScope(RuntimeError):
    pass


class TenantQuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._workspace_scoped = False

    def _clone(self):
        clone = super()._clone()
        clone._workspace_scoped = self._workspace_scoped
        return clone

    def _scoped(self):
        self._workspace_scoped = True
        return self

    def for_workspace(self, workspace):
        if workspace is None:
            raise MissingWorkspaceScope(f"{self.model.__name__}: for_workspace() needs a workspace, got None")
        return self.filter(workspace=workspace)

    def for_workspaces(self, workspaces):
        return self.filter(workspace__in=workspaces)

    def dangerously_all_workspaces(self):
        """Every tenant's rows. Only for superuser screens and cross-tenant maintenance."""
        return self._chain()._scoped()

    def filter(self, *args, **kwargs):
        clone = super().filter(*args, **kwargs)
        if any(key in WORKSPACE_LOOKUPS and value is not None for key, value in kwargs.items()):
            clone._scoped()
        return clone

    def _require_scope(self):
        if not self._workspace_scoped:
            raise MissingWorkspaceScope(
                f"{self.model.__name__} rows belong to workspaces: scope the query with for_workspace()"
            )

    def _fetch_all(self):
        if self._result_cache is None:
            self._require_scope()
        super()._fetch_all()

    def count(self):
        if self._result_cache is None:
            self._require_scope()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._require_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        self._require_scope()
        return super().iterator(*args, **kwargs)

    def update(self, **kwargs):
        self._require_scope()
        return super().update(**kwargs)

    def delete(self):
        self._require_scope()
        return super().delete()


TenantManager = models.Manager.from_queryset(TenantQuerySet)


class TenantModel(models.Model):
    workspace = models.ForeignKey("portal.Workspace", on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()

    class Meta:
        abstract = True
