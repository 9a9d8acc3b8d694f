from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model

from portal.admin_scoping import RoleScopedAdminMixin
from portal.models import WORKSPACE_ADMIN_ROLES, Membership, Role, Workspace, mask_secret
from portal.selectors import workspace_role


class WorkspaceAdminForm(forms.ModelForm):
    # The stored key is never sent back to the browser; leaving the field empty keeps it.
    seam_api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current key.",
    )

    seam_api_url = forms.URLField(
        required=False, assume_scheme="https", help_text="Leave empty for Seam's production API."
    )

    class Meta:
        model = Workspace
        fields = ["name", "slug", "timezone", "seam_api_key", "seam_api_url", "seam_workspace_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields[
                "seam_api_key"
            ].help_text = f"Current key: {mask_secret(self.instance.seam_api_key)}. Leave empty to keep it."
        else:
            self.fields["seam_api_key"].required = True

    def clean_seam_api_key(self):
        return self.cleaned_data["seam_api_key"] or self.instance.seam_api_key


@admin.register(Workspace)
class WorkspaceAdmin(RoleScopedAdminMixin, admin.ModelAdmin):
    form = WorkspaceAdminForm
    list_display = ["name", "slug", "timezone", "masked_seam_api_key", "seam_api_url", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    # Staff who are managers or viewers somewhere do not see workspace settings at all.
    view_roles = WORKSPACE_ADMIN_ROLES

    def workspace_of(self, obj):
        return obj

    def get_queryset(self, request):
        return self.visible_workspaces(request)

    def has_add_permission(self, request):
        # A new tenant is an operator decision: superusers (or `create_workspace`) add workspaces.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser
        return workspace_role(user=request.user, workspace=obj) == Role.OWNER

    @admin.display(description="Seam API key")
    def masked_seam_api_key(self, obj):
        return obj.masked_seam_api_key


@admin.register(Membership)
class MembershipAdmin(RoleScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "workspace__name"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user", "workspace")
        return queryset.filter(workspace__in=self.visible_workspaces(request))

    # Only owners and admins manage who belongs to a workspace.
    view_roles = WORKSPACE_ADMIN_ROLES

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Staff pick among people already in their workspaces, never the whole user table.
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(memberships__workspace__in=self.editable_workspaces(request))
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
