"""The settings page of booking sources: the booking systems that push bookings to a signed hook URL.
The URL and the signing secret are shown once, in the response that makes them (`hook_sources` keeps
only the URL's hash and the encrypted secret); the list shows them masked."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accesscodes.bookings.forms import BookingSourceForm
from accesscodes.bookings.hook_sources import (
    ROTATION_OVERLAP,
    booking_source_create,
    booking_source_disable,
    booking_source_secret_rotate,
    booking_source_url_rotate,
    hook_url_path,
)
from accesscodes.bookings.models import BookingHookDelivery, BookingSource
from portal.settings_forms import form_add_service_errors
from portal.settings_views import SettingsView

SHOWN_ONCE_TEMPLATE = "bookings/settings_source_shown_once.html"
OVERLAP_HOURS = int(ROTATION_OVERLAP.total_seconds() // 3600)


def source_in_workspace(workspace, pk) -> BookingSource:
    source = BookingSource.objects.for_workspace(workspace).filter(pk=pk).first()
    if source is None:
        raise Http404("No such booking source")
    return source


class ShownOnceMixin:
    """The page that shows a new URL or secret, once: never cached, never shown again."""

    def shown_once(self, source, *, url_path=None, secret=None, title):
        return self.render_page(
            SHOWN_ONCE_TEMPLATE,
            source=source,
            title=title,
            hook_url=self.request.build_absolute_uri(url_path) if url_path else None,
            secret=secret,
            overlap_hours=OVERLAP_HOURS,
        )


@method_decorator(never_cache, name="dispatch")
class SourceListView(ShownOnceMixin, SettingsView):
    tab = "sources"

    def get(self, request):
        return self.sources_page(form=BookingSourceForm())

    def post(self, request):
        form = BookingSourceForm(request.POST)
        if form.is_valid():
            try:
                source, url_path, secret = booking_source_create(
                    workspace=self.workspace, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return self.shown_once(source, url_path=url_path, secret=secret, title="Source created")
        return self.sources_page(form=form, status=400)

    def sources_page(self, *, form, status=200):
        latest_delivery = (
            BookingHookDelivery.objects.for_workspace(self.workspace)
            .filter(source=OuterRef("pk"))
            .order_by("-received_at")
            .values("received_at")[:1]
        )
        sources = BookingSource.objects.for_workspace(self.workspace).annotate(
            last_delivery_at=Subquery(latest_delivery)
        )
        return self.render_page(
            "bookings/settings_sources.html",
            status=status,
            sources=sources,
            form=form,
            masked_url=self.request.build_absolute_uri(hook_url_path("TOKEN")).replace("TOKEN", "••••••••"),
            overlap_hours=OVERLAP_HOURS,
            now=timezone.now(),
        )


@method_decorator(never_cache, name="dispatch")
class SourceSecretRotateView(ShownOnceMixin, SettingsView):
    def post(self, request, pk):
        source = source_in_workspace(self.workspace, pk)
        secret = booking_source_secret_rotate(source=source)
        return self.shown_once(source, secret=secret, title="New signing secret")


@method_decorator(never_cache, name="dispatch")
class SourceUrlRotateView(ShownOnceMixin, SettingsView):
    def post(self, request, pk):
        source = source_in_workspace(self.workspace, pk)
        url_path = booking_source_url_rotate(source=source)
        return self.shown_once(source, url_path=url_path, title="New hook URL")


class SourceDisableView(SettingsView):
    def post(self, request, pk):
        source = booking_source_disable(source=source_in_workspace(self.workspace, pk))
        messages.success(request, f"“{source.name}” is disabled: its URL now answers 410 Gone.")
        return self.settings_redirect("settings_sources")
