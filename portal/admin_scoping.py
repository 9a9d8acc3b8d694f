"""Admin base classes that scope every changelist, change page and foreign-key choice to the workspaces a
staff user belongs to. Superusers see everything; others get exactly their memberships."""

from django.contrib import admin

from portal.models import CODE_EDITOR_ROLES, WORKSPACE_ADMIN_ROLES, Workspace
from portal.selectors import workspace_role, workspaces_for_user


class RoleScopedAdminMixin:
    """Permissions come from workspace roles, not Django's per-model permissions."""

    view_roles = None  # any membership
    edit_roles = WORKSPACE_ADMIN_ROLES

    def visible_workspaces(self, request):
        return workspaces_for_user(user=request.user, roles=self.view_roles)

    def editable_workspaces(self, request):
        return workspaces_for_user(user=request.user, roles=self.edit_roles)

    def workspace_of(self, obj):
        return obj.workspace

    def has_workspace_in(self, request, roles) -> bool:
        """Whether the user holds one of these roles in some workspace: asked once per request, since the
        admin's menu asks it of every model on every page."""
        answers = request.__dict__.setdefault("_admin_roles_held", {})
        key = None if roles is None else tuple(sorted(roles))
        if key not in answers:
            answers[key] = workspaces_for_user(user=request.user, roles=roles).exists()
        return answers[key]

    def has_module_permission(self, request):
        return (
            request.user.is_active
            and request.user.is_staff
            and self.has_workspace_in(request, self.view_roles)
        )

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        role = workspace_role(user=request.user, workspace=self.workspace_of(obj))
        return role is not None and (self.view_roles is None or role in self.view_roles)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_staff and self.has_workspace_in(request, self.edit_roles)
        return workspace_role(user=request.user, workspace=self.workspace_of(obj)) in self.edit_roles

    def has_add_permission(self, request):
        return request.user.is_staff and self.has_workspace_in(request, self.edit_roles)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Workspace:
            kwargs["queryset"] = self.editable_workspaces(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TenantAdmin(RoleScopedAdminMixin, admin.ModelAdmin):
    """For TenantModel rows: the queryset is scoped before anything else sees it."""

    edit_roles = CODE_EDITOR_ROLES

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset.dangerously_all_workspaces()
        return queryset.for_workspaces(self.visible_workspaces(request))

    def split_by_role(self, request, objects, roles) -> tuple[list, list]:
        """The objects whose workspace gives the user one of `roles`, and the others. Admin actions check
        each selected row: being a manager in one workspace says nothing about another."""
        allowed = set(workspaces_for_user(user=request.user, roles=roles).values_list("pk", flat=True))
        permitted, refused = [], []
        for obj in objects:
            (permitted if obj.workspace_id in allowed else refused).append(obj)
        return permitted, refused

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is not Workspace and hasattr(related.objects, "for_workspaces"):
            kwargs["queryset"] = related.objects.for_workspaces(self.editable_workspaces(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """An inline whose rows are re-read, when a form is sent, from the inline's own scoped queryset: Django
    reads them through the model's default manager, which refuses an unscoped query of tenant rows."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        rows = self.get_queryset(request)

        class ScopedFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if self._pk_field.name in form.fields:
                    form.fields[self._pk_field.name].queryset = rows

        return ScopedFormSet
