"""What bookings add to the pages of the layers below (registered in `ready()`): the arrivals dashboard
on the workspace page, and the door timeline on a device's page."""

from django.utils import timezone

from accesscodes.bookings.selectors import Door, arrivals_dashboard, device_property, property_zone
from accesscodes.bookings.views.timeline import door_timeline
from devices.page_sections import device_page
from portal.page_sections import Section, workspace_page


def arrivals_section(*, request, access) -> Section:
    return Section(
        "bookings/_dashboard.html", arrivals_dashboard(workspace=access.workspace, now=timezone.now())
    )


def device_timeline_section(*, request, access, device) -> Section | None:
    if device.is_removed:
        return None
    property = device_property(workspace=access.workspace, device=device)
    zone = property_zone(property) if property is not None else timezone.get_current_timezone()
    return Section(
        "bookings/_device_timeline.html",
        {
            "property": property,
            "zone_name": str(zone),
            "timeline": door_timeline(
                workspace=access.workspace,
                doors=[Door(device, "", False)],
                zone=zone,
                now=timezone.now(),
                title=f"Timeline of {device.name}, next 14 days, {zone}",
            ),
        },
    )


def register() -> None:
    # First on the workspace page: the day's arrivals are what a manager opens it for.
    workspace_page.register(arrivals_section, first=True)
    device_page.register(device_timeline_section)
