"""What the access codes app adds to the pages of the layers below it (registered in `ready()`)."""

from accesscodes.forms import AccessCodeForm
from accesscodes.selectors import access_code_counts, access_codes_for_device, device_rules
from accesscodes.views import code_form, code_page
from devices.page_sections import device_page
from portal.page_sections import Section, workspace_page


def device_codes_section(*, request, access, device) -> Section:
    """The device's codes (one page of them) and, for editors, the rules and the "new code" form."""
    page, rows = code_page(request, access_codes_for_device(workspace=access.workspace, device=device))
    can_create = access.can_edit and not device.is_removed
    return Section(
        "accesscodes/_device_codes.html",
        {
            "device": device,
            "page": page,
            "rows": rows,
            "can_create": can_create,
            "rules": device_rules(device=device) if can_create else [],
            "form": code_form(AccessCodeForm, device=device, workspace=access.workspace)
            if can_create
            else None,
        },
    )


def workspace_codes_section(*, request, access) -> Section:
    return Section(
        "accesscodes/_workspace_codes.html", {"counts": access_code_counts(workspace=access.workspace)}
    )


def register() -> None:
    device_page.register(device_codes_section)
    workspace_page.register(workspace_codes_section)
