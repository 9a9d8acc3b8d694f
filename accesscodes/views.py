from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.selectors import workspace_get_for_user


@login_required
def access_code_list(request, workspace_slug):
    workspace = workspace_get_for_user(user=request.user, slug=workspace_slug)
    return render(request, "accesscodes/access_code_list.html", {"workspace": workspace})
