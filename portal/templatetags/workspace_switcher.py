"""The navigation's workspace switcher: the other workspaces the person may open, in one query."""

from django import template

from portal.selectors import workspaces_for_user

register = template.Library()


@register.simple_tag
def switchable_workspaces(user) -> list[dict]:
    return list(workspaces_for_user(user=user).order_by("name").values("slug", "name"))
