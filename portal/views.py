from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import health_report
from portal.page_sections import workspace_page
from portal.selectors import workspaces_for_user
from portal.tenant_views import WorkspaceView


@login_required
def home(request):
    """Someone in one workspace goes straight to its arrivals dashboard; someone in several chooses."""
    workspaces = list(workspaces_for_user(user=request.user))
    if len(workspaces) == 1:
        return redirect("workspace_detail", workspaces[0].slug)
    return render(request, "portal/home.html", {"workspaces": workspaces})


class WorkspaceDetailView(WorkspaceView):
    """The workspace home: the sections the apps add (the arrivals dashboard first), refreshed in place."""

    template_name = "portal/workspace_detail.html"

    def get(self, request):
        return self.render_page(
            self.template_name, sections=workspace_page.sections(request=request, access=self.access)
        )


class WorkspaceSectionsView(WorkspaceDetailView):
    """Only the sections, for the home page's polling (htmx swaps them in without a reload)."""

    template_name = "portal/_workspace_sections.html"


@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: no login, and nothing about any workspace in the answer."""
    status, body = health_report()
    return JsonResponse(body, status=status)
