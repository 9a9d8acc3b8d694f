"""Creating and editing properties and units (owners and admins), through the property services: the
doors are chosen from the workspace's devices, and the services' refusals show as field errors."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import model_to_dict
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone

from accesscodes.bookings.forms import POLICY_FIELDS, PropertyForm, UnitForm
from accesscodes.bookings.models import Property, PropertySharedDoor, Unit, UnitDoor
from accesscodes.bookings.property_services import property_create, property_update, unit_create, unit_update
from accesscodes.bookings.selectors import properties_overview
from portal.settings_forms import form_add_service_errors
from portal.settings_views import SettingsView


def property_in_workspace(workspace, pk) -> Property:
    property = Property.objects.for_workspace(workspace).filter(pk=pk).first()
    if property is None:
        raise Http404("No such property")
    return property


def unit_in_workspace(workspace, pk) -> Unit:
    unit = Unit.objects.for_workspace(workspace).select_related("property").filter(pk=pk).first()
    if unit is None:
        raise Http404("No such unit")
    return unit


class PropertySettingsView(SettingsView):
    """The settings page of properties: every property with its units, and the links to add and edit them."""

    tab = "properties"

    def get(self, request):
        return self.render_page(
            "bookings/settings_properties.html",
            properties=properties_overview(workspace=self.workspace, now=timezone.now()),
        )


class PlaceFormView(SettingsView):
    tab = "properties"
    form_class = None

    def form_page(self, form, *, title: str, status=200, **context):
        return self.render_page("bookings/place_form.html", status=status, form=form, title=title, **context)

    def saved_or_page(self, form, save, *, title: str, **context):
        """Save through `save(**arguments)` and go to the saved object's page, or show the refusals."""
        if form.is_valid():
            try:
                saved = save(**form.service_arguments())
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(self.request, f"{saved.name} is saved.")
                name = "property_detail" if isinstance(saved, Property) else "unit_detail"
                return redirect(name, self.workspace.slug, saved.pk)
        return self.form_page(form, title=title, status=400, **context)


class PropertyCreateView(PlaceFormView):
    def get(self, request):
        form = PropertyForm(workspace=self.workspace, initial={"timezone": self.workspace.timezone})
        return self.form_page(form, title="New property")

    def post(self, request):
        form = PropertyForm(request.POST, workspace=self.workspace)
        save = partial(property_create, workspace=self.workspace)
        return self.saved_or_page(form, save, title="New property")


class PropertyEditView(PlaceFormView):
    def get(self, request, pk):
        property = property_in_workspace(self.workspace, pk)
        initial = {
            **model_to_dict(property, fields=PropertyForm.model_fields),
            "shared_door_ids": PropertySharedDoor.objects.for_workspace(self.workspace)
            .filter(property=property)
            .values_list("device_id", flat=True),
        }
        form = PropertyForm(workspace=self.workspace, initial=initial)
        return self.form_page(form, title=f"Edit {property.name}", property=property)

    def post(self, request, pk):
        property = property_in_workspace(self.workspace, pk)
        form = PropertyForm(request.POST, workspace=self.workspace)
        save = partial(property_update, property=property)
        return self.saved_or_page(form, save, title=f"Edit {property.name}", property=property)


class UnitCreateView(PlaceFormView):
    def get(self, request, property_pk):
        property = property_in_workspace(self.workspace, property_pk)
        return self.form_page(
            UnitForm(workspace=self.workspace), title=f"New unit of {property.name}", property=property
        )

    def post(self, request, property_pk):
        property = property_in_workspace(self.workspace, property_pk)
        form = UnitForm(request.POST, workspace=self.workspace)
        save = partial(unit_create, workspace=self.workspace, property_id=property.pk)
        return self.saved_or_page(form, save, title=f"New unit of {property.name}", property=property)


class UnitEditView(PlaceFormView):
    def get(self, request, pk):
        unit = unit_in_workspace(self.workspace, pk)
        initial = {
            **model_to_dict(unit, fields=["name", "external_id", *POLICY_FIELDS]),
            "door_ids": UnitDoor.objects.for_workspace(self.workspace)
            .filter(unit=unit)
            .values_list("device_id", flat=True),
        }
        form = UnitForm(workspace=self.workspace, initial=initial)
        return self.form_page(form, title=f"Edit {unit.name}", property=unit.property, unit=unit)

    def post(self, request, pk):
        unit = unit_in_workspace(self.workspace, pk)
        form = UnitForm(request.POST, workspace=self.workspace)
        save = partial(unit_update, unit=unit)
        return self.saved_or_page(form, save, title=f"Edit {unit.name}", property=unit.property, unit=unit)
