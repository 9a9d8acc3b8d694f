"""Seam's device words as a manager reads them: `{{ device.manufacturer|manufacturer_name }}`,
`{% device_status device %}` and `{% device_issue issue %}` (one error or warning, explained)."""

from django import template

from devices import explanations
from devices.selectors import device_last_seen

register = template.Library()


@register.filter
def manufacturer_name(key):
    return explanations.manufacturer_name(key)


@register.inclusion_tag("devices/_status.html")
def device_status(device):
    return {"device": device, "offline_by_design": explanations.is_offline_by_design(device)}


@register.inclusion_tag("devices/_issue.html")
def device_issue(issue):
    return {"words": explanations.device_issue_words(issue)}


@register.inclusion_tag("devices/_issue_badge.html")
def device_issue_badge(issue):
    """The short form for tables: the title as a badge, the explanation on hover and on the device page."""
    return {"words": explanations.device_issue_words(issue)}


@register.simple_tag
def last_seen(device, last_good_sync):
    """`{% last_seen device last_good_sync as seen %}`: when Seam last reported the lock (see the selector)."""
    return device_last_seen(device=device, last_good_sync=last_good_sync)
