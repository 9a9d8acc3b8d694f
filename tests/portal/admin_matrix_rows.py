"""Rows of the admin matrix (test_admin_matrix.py): for every ModelAdmin of a workspace's rows, which row of
a workspace's world (tests/matrix_world.py) it shows, a search term that finds that row, and the role rules
(README, "Workspaces and roles"): the least role that sees the changelist, the least that changes rows
or runs actions, and the actions open to fewer roles.

Registering a ModelAdmin for a tenant model: add its row here; test_every_tenant_admin_is_in_the_matrix
names what is missing."""

from dataclasses import dataclass, field

from portal.models import Role

VIEWER, MANAGER, ADMIN = Role.VIEWER, Role.MANAGER, Role.ADMIN


@dataclass(frozen=True)
class AdminRow:
    attribute: str  # the world's object of this model
    search: str  # "{slug}" is the workspace's slug; finds the object in the changelist search
    view_minimum: Role
    edit_minimum: Role
    # Actions whose least role differs from `edit_minimum` (e.g. importing a feed now is day-to-day work).
    action_minimums: dict[str, Role] = field(default_factory=dict)

    def action_minimum(self, action: str) -> Role:
        return self.action_minimums.get(action, self.edit_minimum)


ADMIN_ROWS: dict[str, AdminRow] = {
    "portal.Workspace": AdminRow("workspace", "{slug}", ADMIN, ADMIN),
    "portal.Membership": AdminRow("member", "{slug}-member", ADMIN, ADMIN),
    "portal.ApiToken": AdminRow("token", "PMS sync", ADMIN, ADMIN),
    "portal.WebhookEndpoint": AdminRow("endpoint", "{slug}", ADMIN, ADMIN),
    "portal.WebhookDelivery": AdminRow("delivery", "{slug}", ADMIN, ADMIN),
    "portal.SeamEvent": AdminRow("seam_event", "device.disconnected", VIEWER, MANAGER),
    "portal.SeamWebhookEndpoint": AdminRow("seam_endpoint", "{slug}", ADMIN, ADMIN),
    "devices.Device": AdminRow("door", "flat door", VIEWER, MANAGER),
    "devices.ConnectedAccount": AdminRow("account", "account", VIEWER, MANAGER),
    "devices.SyncRun": AdminRow("sync_run", "{slug}", VIEWER, MANAGER),
    "accesscodes.AccessCode": AdminRow("access_code", "cleaner", VIEWER, MANAGER),
    "bookings.Property": AdminRow("property", "house", VIEWER, ADMIN),
    "bookings.Unit": AdminRow("unit", "flat 1", VIEWER, ADMIN),
    "bookings.Booking": AdminRow("booking", "guest", VIEWER, MANAGER),
    "bookings.Alert": AdminRow("alert", "{slug}", VIEWER, MANAGER),
    "bookings.CalendarFeed": AdminRow("feed", "Airbnb", VIEWER, ADMIN, {"import_now": MANAGER}),
    "bookings.BookingSource": AdminRow("source", "PMS", VIEWER, ADMIN),
    "bookings.BookingHookDelivery": AdminRow("hook_delivery", "msg_hook", VIEWER, MANAGER),
}
