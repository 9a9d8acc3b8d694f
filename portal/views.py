from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.page_sections import workspace_page
from portal.selectors import workspaces_for_user
from portal.tenant_views import WorkspaceView


@login_required
def home(request):
    workspaces = workspaces_for_user(user=request.user)
    return render(request, "portal/home.html", {"workspaces": workspaces})


class WorkspaceDetailView(WorkspaceView):
    def get(self, request):
        return self.render_page(
            "portal/workspace_detail.html",
            sections=workspace_page.sections(request=request, access=self.access),
        )
