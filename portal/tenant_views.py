"""The one way a request reaches a workspace: resolve it from the URL slug and the user's role once,
refuse what the role may not do, and show times in the workspace's zone for that request only."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.views import View

from portal.log_context import bind_workspace
from portal.models import CODE_EDITOR_ROLES, Membership, Role, Workspace

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace: Workspace
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in CODE_EDITOR_ROLES


def workspace_access(*, user, slug: str) -> WorkspaceAccess:
    """The workspace and the user's role in it, in one query; 404 when the workspace does not exist *or*
    the user is not a member, so a slug never tells an outsider whether it exists. Superusers act as owners.
    """
    if not user.is_authenticated:
        raise Http404("No such workspace")
    if user.is_superuser:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise Http404("No such workspace")
        return WorkspaceAccess(workspace=workspace, role=Role.OWNER)
    membership = (
        Membership.objects.for_user(user).filter(workspace__slug=slug).select_related("workspace").first()
    )
    if membership is None:
        raise Http404("No such workspace")
    return WorkspaceAccess(workspace=membership.workspace, role=membership.role)


def workspace_access_for_token(token) -> WorkspaceAccess:
    """An API token acts on its own workspace only, with the role its scope grants."""
    return WorkspaceAccess(workspace=token.workspace, role=token.role)


def require_role(access: WorkspaceAccess, roles) -> None:
    if access.role not in roles:
        raise PermissionDenied("Your role in this workspace does not allow this.")


class WorkspaceView(LoginRequiredMixin, View):
    """Base of every page under `w/<workspace_slug>/`.

    Reading (GET/HEAD) needs one of `read_roles` (None: any member); other methods need one of `edit_roles`.
    `self.access`, `self.workspace` and `self.role` are set before the handler runs.
    """

    read_roles = None
    edit_roles = CODE_EDITOR_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.access = workspace_access(user=request.user, slug=kwargs.pop("workspace_slug"))
        self.workspace = self.access.workspace
        self.role = self.access.role
        bind_workspace(self.workspace)
        roles = self.read_roles if request.method in READ_METHODS else self.edit_roles
        if roles is not None:
            require_role(self.access, roles)
        # override(), not activate(): the zone must not outlive this request on a reused thread.
        with timezone.override(self.workspace.timezone):
            response = super().dispatch(request, *args, **kwargs)
            # A lazy template response would render after the zone is gone: render it while it is active.
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        return response

    def page_context(self, **context) -> dict:
        return {
            "workspace": self.workspace,
            "role": self.role,
            "can_edit": self.access.can_edit,
            "zone_name": self.workspace.timezone,
            **context,
        }

    def render_page(self, template_name: str, status: int = 200, **context):
        return render(self.request, template_name, self.page_context(**context), status=status)
