"""The workspace settings pages (`w/<slug>/settings/…`), for owners and admins: members, API tokens,
outgoing webhooks and the Seam key. Each page calls the portal's services, whose refusals (the role rules
in `portal.role_rules`) come back as form errors. Secrets made here (a token, a signing secret) are shown
once, in the response to the request that made them, and stored nowhere in clear."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from portal.models import WORKSPACE_ADMIN_ROLES, ApiToken, Membership, Role
from portal.outbound.models import WebhookDelivery, WebhookEndpoint
from portal.outbound.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
)
from portal.services import (
    api_token_create,
    api_token_revoke,
    membership_change,
    membership_remove,
    user_get_by_username,
    workspace_seam_key_replace,
)
from portal.settings_forms import (
    ApiTokenForm,
    MemberAddForm,
    MemberRoleForm,
    SeamKeyForm,
    WebhookEndpointForm,
    form_add_service_errors,
)
from portal.settings_tabs import settings_tabs
from portal.tenant_views import WorkspaceView

DELIVERIES_SHOWN = 50


class SettingsView(WorkspaceView):
    """Base of every settings page: owners and admins only, to read as well as to change."""

    read_roles = WORKSPACE_ADMIN_ROLES
    edit_roles = WORKSPACE_ADMIN_ROLES
    tab = ""

    def page_context(self, **context) -> dict:
        return super().page_context(settings_tabs=settings_tabs.tabs(), current_tab=self.tab, **context)

    def settings_redirect(self, url_name: str, *args):
        return redirect(url_name, self.workspace.slug, *args)


# -- members -----------------------------------------------------------------------------------------


class MembersView(SettingsView):
    tab = "members"

    def get(self, request):
        return self.members_page(add_form=MemberAddForm())

    def post(self, request):
        add_form = MemberAddForm(request.POST)
        if add_form.is_valid():
            try:
                user = user_get_by_username(username=add_form.cleaned_data["username"])
                membership_change(
                    actor=request.user,
                    workspace=self.workspace,
                    user=user,
                    role=add_form.cleaned_data["role"],
                )
            except ValidationError as error:
                form_add_service_errors(add_form, error, field_names={"owner": "username"})
            else:
                messages.success(request, f"{user.username} is now {add_form.cleaned_data['role']} here.")
                return self.settings_redirect("settings_members")
        return self.members_page(add_form=add_form, status=400)

    def members_page(self, *, add_form, refusal: str = "", refused_pk=None, status=200):
        memberships = (
            Membership.objects.filter(workspace=self.workspace)
            .select_related("user")
            .order_by("user__username")
        )
        rows = [
            {
                "membership": membership,
                "form": MemberRoleForm(initial={"role": membership.role}, prefix=f"m{membership.pk}"),
            }
            for membership in memberships
        ]
        return self.render_page(
            "portal/settings/members.html",
            status=status,
            rows=rows,
            add_form=add_form,
            refusal=refusal,
            refused_pk=refused_pk,
        )


class MemberChangeView(SettingsView):
    """Change a member's role (`action=role`) or remove them (`action=remove`)."""

    tab = "members"

    def post(self, request, pk):
        membership = Membership.objects.filter(workspace=self.workspace, pk=pk).select_related("user").first()
        if membership is None:
            raise Http404("No such member")
        try:
            if request.POST.get("action") == "remove":
                membership_remove(actor=request.user, membership=membership)
                done = f"{membership.user.username} is no longer a member."
            else:
                form = MemberRoleForm(request.POST, prefix=f"m{membership.pk}")
                if not form.is_valid():
                    raise ValidationError("Choose one of the roles.")
                membership_change(
                    actor=request.user,
                    workspace=self.workspace,
                    user=membership.user,
                    role=form.cleaned_data["role"],
                )
                done = f"{membership.user.username} is now {form.cleaned_data['role']} here."
        except ValidationError as error:
            return MembersView.members_page(
                self, add_form=MemberAddForm(), refusal=" ".join(error.messages), refused_pk=pk, status=400
            )
        messages.success(request, done)
        return self.settings_redirect("settings_members")


# -- API tokens --------------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class TokensView(SettingsView):
    tab = "tokens"

    def get(self, request):
        return self.tokens_page(form=ApiTokenForm())

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, clear = api_token_create(
                    workspace=self.workspace,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    created_by=request.user,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                # The clear token lives in this response only: a reload of the list never shows it again.
                return self.render_page("portal/settings/token_created.html", token=token, clear_token=clear)
        return self.tokens_page(form=form, status=400)

    def tokens_page(self, *, form, status=200):
        tokens = (
            ApiToken.objects.for_workspace(self.workspace)
            .select_related("created_by")
            .order_by("-created_at")
        )
        return self.render_page("portal/settings/tokens.html", status=status, tokens=tokens, form=form)


class TokenRevokeView(SettingsView):
    def post(self, request, pk):
        token = ApiToken.objects.for_workspace(self.workspace).filter(pk=pk).first()
        if token is None:
            raise Http404("No such token")
        api_token_revoke(token=token)
        messages.success(request, f"Token “{token.name}” ({token.prefix}…) is revoked.")
        return self.settings_redirect("settings_tokens")


# -- outgoing webhooks -------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class WebhooksView(SettingsView):
    tab = "webhooks"

    def get(self, request):
        return self.webhooks_page(form=WebhookEndpointForm())

    def post(self, request):
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = webhook_endpoint_create(
                    workspace=self.workspace, created_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                return self.render_page(
                    "portal/settings/webhook_created.html", endpoint=endpoint, signing_secret=secret
                )
        return self.webhooks_page(form=form, status=400)

    def webhooks_page(self, *, form, status=200):
        endpoints = WebhookEndpoint.objects.for_workspace(self.workspace).order_by("url", "pk")
        return self.render_page(
            "portal/settings/webhooks.html", status=status, endpoints=endpoints, form=form
        )


def endpoint_in_workspace(workspace, pk) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.for_workspace(workspace).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint")
    return endpoint


class WebhookDetailView(SettingsView):
    """An endpoint, its latest deliveries with their response codes, and the enable / disable buttons."""

    tab = "webhooks"

    def get(self, request, pk):
        endpoint = endpoint_in_workspace(self.workspace, pk)
        deliveries = (
            WebhookDelivery.objects.for_workspace(self.workspace)
            .filter(endpoint=endpoint)
            .order_by("-created_at", "-pk")[:DELIVERIES_SHOWN]
        )
        return self.render_page(
            "portal/settings/webhook_detail.html",
            endpoint=endpoint,
            deliveries=deliveries,
            deliveries_shown=DELIVERIES_SHOWN,
        )

    def post(self, request, pk):
        endpoint = endpoint_in_workspace(self.workspace, pk)
        if request.POST.get("action") == "disable":
            webhook_endpoint_disable(
                endpoint=endpoint, reason=f"Disabled by {request.user.username}.", by=request.user
            )
            messages.success(request, "The endpoint is disabled: nothing is sent to it until it is enabled.")
        else:
            webhook_endpoint_enable(endpoint=endpoint)
            messages.success(request, "The endpoint is enabled.")
        return self.settings_redirect("settings_webhook_detail", endpoint.pk)


class WebhookRedeliverView(SettingsView):
    def post(self, request, pk, delivery_pk):
        endpoint = endpoint_in_workspace(self.workspace, pk)
        delivery = (
            WebhookDelivery.objects.for_workspace(self.workspace)
            .filter(endpoint=endpoint, pk=delivery_pk)
            .first()
        )
        if delivery is None:
            raise Http404("No such delivery")
        try:
            webhook_delivery_redeliver(delivery=delivery)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Event {delivery.event_id} is sent again now.")
        return self.settings_redirect("settings_webhook_detail", endpoint.pk)


# -- the Seam key ------------------------------------------------------------------------------------


@method_decorator(sensitive_post_parameters("seam_api_key"), name="dispatch")
class SeamKeyView(SettingsView):
    tab = "seam"

    def get(self, request):
        return self.seam_page(form=SeamKeyForm())

    def post(self, request):
        form = SeamKeyForm(request.POST)
        if form.is_valid():
            try:
                workspace_seam_key_replace(
                    actor=request.user,
                    workspace=self.workspace,
                    seam_api_key=form.cleaned_data["seam_api_key"],
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, "The Seam API key is replaced.")
                return self.settings_redirect("settings_seam")
        return self.seam_page(form=form, status=400)

    def seam_page(self, *, form, status=200):
        return self.render_page(
            "portal/settings/seam.html", status=status, form=form, can_replace_key=self.role == Role.OWNER
        )
