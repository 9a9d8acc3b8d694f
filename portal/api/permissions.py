from rest_framework.permissions import SAFE_METHODS, BasePermission


class WorkspaceRolePermission(BasePermission):
    """The same rule as the pages: reading needs one of the view's `read_roles` (None: any), anything else
    one of its `edit_roles`. A read-only token holds the viewer role, so every write is 403 for it."""

    message = "This token may not do this: it is read-only, or the action needs a workspace admin."

    def has_permission(self, request, view):
        access = getattr(view, "access", None)
        if access is None:
            return False
        roles = view.read_roles if request.method in SAFE_METHODS else view.edit_roles
        return roles is None or access.role in roles
