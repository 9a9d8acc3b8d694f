"""The settings page of calendar feeds: each unit's calendar exports, their health, and "import now". The rules are
the feed services' (`calendar_feed_save` validates, `calendar_feed_import_enqueue` queues an import)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accesscodes.bookings.forms import CalendarFeedForm
from accesscodes.bookings.ical.services import calendar_feed_import_enqueue, calendar_feed_save
from accesscodes.bookings.models import CalendarFeed
from portal.settings_forms import form_add_service_errors
from portal.settings_views import SettingsView


def feed_in_workspace(workspace, pk) -> CalendarFeed:
    feed = CalendarFeed.objects.for_workspace(workspace).filter(pk=pk).first()
    if feed is None:
        raise Http404("No such calendar feed")
    return feed


class FeedSaveMixin:
    def feed_save(self, form: CalendarFeedForm) -> CalendarFeed | None:
        """The saved feed, or None with the service's refusals on the form."""
        if not form.is_valid():
            return None
        try:
            return calendar_feed_save(feed=form.save(commit=False), changed_fields=form.changed_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
            return None


@method_decorator(never_cache, name="dispatch")
class FeedListView(FeedSaveMixin, SettingsView):
    tab = "feeds"

    def get(self, request):
        return self.feeds_page(form=CalendarFeedForm(workspace=self.workspace))

    def post(self, request):
        form = CalendarFeedForm(
            request.POST, workspace=self.workspace, instance=CalendarFeed(workspace=self.workspace)
        )
        feed = self.feed_save(form)
        if feed is None:
            return self.feeds_page(form=form, status=400)
        messages.success(request, f"Feed “{feed.name}” added: it is due for its first import now.")
        return self.settings_redirect("settings_feeds")

    def feeds_page(self, *, form, status=200):
        feeds = (
            CalendarFeed.objects.for_workspace(self.workspace)
            .select_related("unit__property")
            .order_by("unit__property__name", "unit__name", "name", "pk")
        )
        return self.render_page("bookings/settings_feeds.html", status=status, feeds=feeds, form=form)


@method_decorator(never_cache, name="dispatch")
class FeedEditView(FeedSaveMixin, SettingsView):
    tab = "feeds"

    def get(self, request, pk):
        feed = feed_in_workspace(self.workspace, pk)
        return self.edit_page(feed=feed, form=CalendarFeedForm(workspace=self.workspace, instance=feed))

    def post(self, request, pk):
        feed = feed_in_workspace(self.workspace, pk)
        form = CalendarFeedForm(request.POST, workspace=self.workspace, instance=feed)
        if self.feed_save(form) is None:
            return self.edit_page(feed=feed, form=form, status=400)
        messages.success(request, f"Feed “{feed.name}” saved.")
        return self.settings_redirect("settings_feeds")

    def edit_page(self, *, feed, form, status=200):
        return self.render_page("bookings/settings_feed_edit.html", status=status, feed=feed, form=form)


class FeedImportView(SettingsView):
    def post(self, request, pk):
        feed = feed_in_workspace(self.workspace, pk)
        calendar_feed_import_enqueue(feed=feed)
        messages.success(request, f"“{feed.name}” is being imported now; its health updates when it is done.")
        return self.settings_redirect("settings_feeds")
