"""The device page's sections: apps above `devices` register theirs in `ready()`, so the page shows them
without `devices` importing those apps. Also what `devices` adds to the workspace page."""

from devices.selectors import device_health_summary, sync_run_latest
from portal.page_sections import PageSections, Section, workspace_page

# Called with request, access (portal.tenant_views.WorkspaceAccess) and device.
device_page = PageSections()


def workspace_devices_section(*, request, access) -> Section:
    return Section(
        "devices/_workspace_devices.html",
        {
            "health": device_health_summary(workspace=access.workspace),
            "last_sync": sync_run_latest(workspace=access.workspace),
        },
    )


def register() -> None:
    workspace_page.register(workspace_devices_section)
