"""Properties and units, read pages: their doors, their code policy in words, upcoming bookings and the
door timeline. (Creating and editing them comes with the property services.)"""

from django.http import Http404
from django.utils import timezone

from accesscodes.bookings.models import Property, Unit
from accesscodes.bookings.policy_words import policy_words
from accesscodes.bookings.selectors import (
    booking_rows,
    bookings_upcoming,
    effective_policy,
    properties_overview,
    property_doors,
    property_zone,
    unit_door_list,
)
from accesscodes.bookings.views.timeline import door_timeline
from portal.tenant_views import WorkspaceView


class PropertyListView(WorkspaceView):
    def get(self, request):
        return self.render_page(
            "bookings/property_list.html",
            properties=properties_overview(workspace=self.workspace, now=timezone.now()),
        )


class PropertyDetailView(WorkspaceView):
    def get(self, request, pk):
        property = Property.objects.for_workspace(self.workspace).filter(pk=pk).first()
        if property is None:
            raise Http404("No such property")
        now = timezone.now()
        doors = property_doors(workspace=self.workspace, property=property)
        units = list(Unit.objects.for_workspace(self.workspace).filter(property=property).order_by("name"))
        upcoming = bookings_upcoming(workspace=self.workspace, now=now, property=property)
        return self.render_page(
            "bookings/property_detail.html",
            property=property,
            doors=doors,
            units=units,
            policy=policy_words(effective_policy(unit=Unit(), property=property)),
            rows=booking_rows(workspace=self.workspace, bookings=upcoming, now=now),
            timeline=door_timeline(
                workspace=self.workspace, doors=doors, zone=property_zone(property), now=now,
                title=f"Door timeline of {property.name}, next 14 days, {property.timezone}",
            ),
        )  # fmt: skip


class UnitDetailView(WorkspaceView):
    def get(self, request, pk):
        unit = Unit.objects.for_workspace(self.workspace).select_related("property").filter(pk=pk).first()
        if unit is None:
            raise Http404("No such unit")
        now = timezone.now()
        doors = unit_door_list(workspace=self.workspace, unit=unit)
        upcoming = bookings_upcoming(workspace=self.workspace, now=now, unit=unit)
        return self.render_page(
            "bookings/unit_detail.html",
            unit=unit,
            doors=doors,
            policy=policy_words(effective_policy(unit=unit, property=unit.property)),
            rows=booking_rows(workspace=self.workspace, bookings=upcoming, now=now),
            timeline=door_timeline(
                workspace=self.workspace, doors=doors, zone=property_zone(unit.property), now=now,
                title=f"Door timeline of {unit.name}, next 14 days, {unit.property.timezone}",
            ),
        )  # fmt: skip
