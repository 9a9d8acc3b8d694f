import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from portal.admin_scoping import RoleScopedAdminMixin, ScopedInlineMixin, TenantAdmin
from portal.fields import SecretText
from portal.hooks.inbox import seam_events_process_again
from portal.models import (
    WORKSPACE_ADMIN_ROLES,
    ApiToken,
    Membership,
    Role,
    SeamEvent,
    SeamWebhookEndpoint,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
    mask_secret,
)
from portal.outbound.events import webhook_event_types
from portal.outbound.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_update,
)
from portal.role_rules import membership_change_refusal, workspace_change_refusals, workspace_members_lock
from portal.selectors import workspace_role, workspaces_for_user
from portal.services import (
    api_token_create,
    api_token_revoke,
    membership_change,
    membership_remove,
    workspace_create,
    workspace_delete,
)

WORKSPACE_FIELDS = ["name", "slug", "timezone", "seam_api_key", "seam_api_url", "seam_workspace_id"]


class SecretField(forms.CharField):
    """Its cleaned value hides itself in reprs (debug pages, tracebacks); the browser never gets it back."""

    widget = forms.PasswordInput(render_value=False)

    def to_python(self, value):
        return SecretText(super().to_python(value))


class ActorFormMixin:
    # The person submitting the form; the admin sets it on the form class it builds for each request.
    actor = None


class WorkspaceSettingsForm(ActorFormMixin, forms.ModelForm):
    """What owners and admins change; the Seam connection is the owners' (WorkspaceAdminForm)."""

    class Meta:
        model = Workspace
        fields = ["name", "slug", "timezone", "seam_workspace_id"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            refusals = workspace_change_refusals(
                actor=self.actor, workspace=self.instance, changed_fields=self.changed_data
            )
            for field, message in refusals.items():
                self.add_error(field, message)
        return cleaned


class WorkspaceAdminForm(WorkspaceSettingsForm):
    # The stored key is never sent back to the browser; leaving the field empty keeps it.
    seam_api_key = SecretField(required=False, help_text="Leave empty to keep the current key.")

    seam_api_url = forms.URLField(
        required=False, assume_scheme="https", help_text="Leave empty for Seam's production API."
    )

    class Meta:
        model = Workspace
        fields = WORKSPACE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        key_field = self.fields["seam_api_key"]
        # Blank means "keep the key": only a typed key counts as a change.
        self.initial["seam_api_key"] = ""
        if not self.instance.pk:
            key_field.required = True
        elif self.instance.seam_api_key_unreadable:
            key_field.required = True
            key_field.help_text = (
                "The stored key cannot be decrypted with this server's FIELD_ENCRYPTION_KEY "
                "(it was changed or lost): enter the Seam API key again."
            )
        else:
            key_field.help_text = (
                f"Current key: {mask_secret(self.instance.seam_api_key)}. Leave empty to keep it."
            )

    def clean_seam_api_key(self):
        return self.cleaned_data["seam_api_key"] or self.instance.seam_api_key


@admin.register(Workspace)
class WorkspaceAdmin(RoleScopedAdminMixin, admin.ModelAdmin):
    form = WorkspaceSettingsForm  # owners get WorkspaceAdminForm (get_form)
    list_display = ["name", "slug", "timezone", "masked_seam_api_key", "seam_api_url", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # Staff who are managers or viewers somewhere do not see workspace settings at all.
    view_roles = WORKSPACE_ADMIN_ROLES

    def workspace_of(self, obj):
        return obj

    def get_queryset(self, request):
        return self.visible_workspaces(request)

    def _is_owner(self, request, obj) -> bool:
        # Adding is for superusers only, and they count as owners everywhere.
        return obj is None or workspace_role(user=request.user, workspace=obj) == Role.OWNER

    def get_fields(self, request, obj=None):
        if self._is_owner(request, obj):
            return [*WORKSPACE_FIELDS, "created_at"]
        # Others see that a key is set, never the key, and cannot change it or where it is sent.
        return [
            "name",
            "slug",
            "timezone",
            "masked_seam_api_key",
            "seam_api_url",
            "seam_workspace_id",
            "created_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if self._is_owner(request, obj):
            return ["created_at"]
        return ["created_at", "masked_seam_api_key", "seam_api_url"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._is_owner(request, obj):
            kwargs["form"] = WorkspaceAdminForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    @method_decorator(sensitive_post_parameters("seam_api_key"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        # A new tenant is an operator decision: superusers (or `create_workspace`) add workspaces.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser
        return workspace_role(user=request.user, workspace=obj) == Role.OWNER

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, _, protected = super().get_deleted_objects(objs, request)
        # Whoever may delete the workspace deletes all it holds, including rows nobody deletes one by one
        # here (Seam's mirror, the last owner's membership).
        return to_delete, model_count, set(), protected

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        # The lifecycle service gives a new workspace what every workspace has (its schedules).
        created = workspace_create(
            name=obj.name,
            slug=obj.slug,
            timezone=obj.timezone,
            seam_api_key=obj.seam_api_key,
            seam_api_url=obj.seam_api_url,
        )
        if obj.seam_workspace_id:
            created.seam_workspace_id = obj.seam_workspace_id
            created.save(update_fields=["seam_workspace_id"])
        obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        workspace_delete(workspace=obj)

    def delete_queryset(self, request, queryset):
        for workspace in queryset:
            workspace_delete(workspace=workspace)

    @admin.display(description="Seam API key")
    def masked_seam_api_key(self, obj):
        return obj.masked_seam_api_key


class MembershipAdminForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "workspace", "role"]

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace") or getattr(self.instance, "workspace", None)
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        role = cleaned.get("role")
        if workspace is None or user is None or role is None:
            return cleaned
        # Held until the admin's transaction commits, so the check below still holds when the row is saved.
        workspace_members_lock(workspace=workspace)
        refusal = membership_change_refusal(
            actor=self.actor,
            workspace=workspace,
            user=user,
            role_before=self.instance.role if self.instance.pk else None,
            role_after=role,
        )
        if refusal:
            self.add_error("role", refusal)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(RoleScopedAdminMixin, admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "workspace__name"]
    # Only owners and admins manage who belongs to a workspace.
    view_roles = WORKSPACE_ADMIN_ROLES

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user", "workspace")
        return queryset.filter(workspace__in=self.visible_workspaces(request))

    def get_readonly_fields(self, request, obj=None):
        # A membership is one person in one workspace: changing it means changing the role only.
        return ["user", "workspace"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Admins see owners' memberships but only owners change them.
        return obj is None or obj.role != Role.OWNER or self._is_owner(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not membership_change_refusal(
            actor=request.user, workspace=obj.workspace, user=obj.user, role_before=obj.role, role_after=None
        )

    def _is_owner(self, request, obj) -> bool:
        return workspace_role(user=request.user, workspace=obj.workspace) == Role.OWNER

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Staff pick among people already in their workspaces, never the whole user table.
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(memberships__workspace__in=self.editable_workspaces(request))
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = membership_change(actor=request.user, workspace=obj.workspace, user=obj.user, role=obj.role)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        self._remove(request, obj)

    def delete_queryset(self, request, queryset):
        # One by one: removing two owners at once must still leave one.
        for membership in queryset:
            self._remove(request, membership)

    def _remove(self, request, membership):
        try:
            membership_remove(actor=request.user, membership=membership)
        except ValidationError as error:
            self.message_user(request, f"{membership}: {' '.join(error.messages)}", messages.ERROR)


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["workspace", "name", "scope"]


@admin.register(ApiToken)
class ApiTokenAdmin(TenantAdmin):
    """Workspace admins and owners create and revoke their workspace's tokens. The clear token is shown
    once, in the message after saving; only its hash is stored, and that is never shown."""

    form = ApiTokenAddForm
    view_roles = WORKSPACE_ADMIN_ROLES
    edit_roles = WORKSPACE_ADMIN_ROLES
    list_display = ["name", "workspace", "scope", "shown_prefix", "created_by", "created_at", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["scope"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    readonly_fields = ["workspace", "name", "scope", "shown_prefix", "created_by", "created_at",
                       "last_used_at", "revoked_at"]  # fmt: skip

    def get_fields(self, request, obj=None):
        return ApiTokenAddForm.Meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        # A token is revoked, not deleted: its record (who made it, when it was last used) stays.
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="token")
    def shown_prefix(self, token):
        return f"{token.prefix}…"

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of a token changes after creation but its revocation (the action)
        token, clear = api_token_create(
            workspace=obj.workspace, name=obj.name, scope=obj.scope, created_by=request.user
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            f"The token for “{token.name}”: {clear} — copy it now; it is not stored and will not be shown "
            "again. Send it as `Authorization: Bearer <token>`.",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        permitted, refused = self.split_by_role(request, queryset, self.edit_roles)
        for token in permitted:
            api_token_revoke(token=token)
        if permitted:
            self.message_user(request, f"Revoked {len(permitted)} token(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request, f"{len(refused)} token(s) of workspaces you do not administer were left alone.",
                messages.ERROR,
            )  # fmt: skip


# -- webhooks out -------------------------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every event, also those added to the portal later.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["workspace", "url", "description", "event_types"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [
            (event_type.name, f"{event_type.name}: {event_type.description}")
            for event_type in webhook_event_types()
        ]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "subscribed", "state", "consecutive_failures", "workspace"]
    list_select_related = ["workspace"]
    search_fields = ["url", "description"]
    view_roles = WORKSPACE_ADMIN_ROLES
    edit_roles = WORKSPACE_ADMIN_ROLES
    actions = ["enable_endpoints", "disable_endpoints"]
    readonly_fields = ["state", "disabled_reason", "consecutive_failures", "created_by", "created_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["workspace", "url", "description", "event_types"]
        return ["workspace", "url", "description", "event_types", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # An endpoint stays in its workspace: the events it gets and its secret belong to it.
        return ["workspace", *self.readonly_fields] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            webhook_endpoint_update(
                endpoint=obj,
                url=data["url"],
                description=data["description"],
                event_types=data["event_types"],
            )
            return
        endpoint, secret = webhook_endpoint_create(
            workspace=data["workspace"],
            url=data["url"],
            description=data["description"],
            event_types=data["event_types"],
            created_by=request.user,
        )
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        # Only this one answer shows the secret; it is not kept anywhere but encrypted in the database.
        request.webhook_endpoint_secret = secret

    @method_decorator(never_cache)
    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "webhook_endpoint_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "Webhook endpoint created",
            "endpoint": obj,
            "secret": secret,
            "opts": self.opts,
            "change_url": reverse("admin:portal_webhookendpoint_change", args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/portal/webhookendpoint/secret_once.html", context)

    @admin.display(description="events")
    def subscribed(self, obj):
        return ", ".join(obj.event_types) or "all"

    @admin.display(description="state")
    def state(self, obj):
        if obj.is_enabled:
            return "enabled"
        return f"disabled since {timezone.localtime(obj.disabled_at):%Y-%m-%d %H:%M}"

    @admin.action(description="Enable selected endpoints", permissions=["change"])
    def enable_endpoints(self, request, queryset):
        permitted = self._permitted(request, queryset)
        for endpoint in permitted:
            webhook_endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"Enabled {len(permitted)} endpoint(s).", messages.SUCCESS)

    @admin.action(description="Disable selected endpoints", permissions=["change"])
    def disable_endpoints(self, request, queryset):
        permitted = self._permitted(request, queryset)
        for endpoint in permitted:
            webhook_endpoint_disable(
                endpoint=endpoint, reason=f"Disabled by {request.user}.", by=request.user
            )
        self.message_user(request, f"Disabled {len(permitted)} endpoint(s).", messages.SUCCESS)

    def _permitted(self, request, queryset) -> list:
        permitted, refused = self.split_by_role(request, queryset, self.edit_roles)
        if refused:
            self.message_user(
                request,
                f"Not done for {len(refused)} endpoint(s) of workspaces where you are not an admin.",
                messages.ERROR,
            )
        return permitted


class WebhookAttemptInline(ScopedInlineMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ["attempted_at", "response_code", "response_excerpt", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "attempts"

    def get_queryset(self, request):
        visible = workspaces_for_user(user=request.user, roles=WORKSPACE_ADMIN_ROLES)
        return super().get_queryset(request).for_workspaces(visible)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantAdmin):
    list_display = [
        "created_at", "event_type", "endpoint", "status", "attempt_count", "last_response_code",
        "next_attempt_at", "delivered_at", "workspace",
    ]  # fmt: skip
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint", "workspace"]
    search_fields = ["event_id", "endpoint__url"]
    view_roles = WORKSPACE_ADMIN_ROLES
    edit_roles = WORKSPACE_ADMIN_ROLES
    fields = [
        "workspace", "endpoint", "event_id", "event_type", "status", "attempt_count", "next_attempt_at",
        "last_response_code", "last_response_excerpt", "last_error", "created_at", "delivered_at", "body",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    @admin.display(description="payload")
    def body(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log keeps 30 days, then the dispatcher drops it

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Redeliver selected events now", permissions=["change"])
    def redeliver(self, request, queryset):
        permitted, refused = self.split_by_role(request, queryset.select_related("endpoint"), self.edit_roles)
        if refused:
            self.message_user(
                request,
                f"Not redelivered: {len(refused)} event(s) of workspaces where you are not an admin.",
                messages.ERROR,
            )
        redelivered = 0
        for delivery in permitted:
            try:
                webhook_delivery_redeliver(delivery=delivery)
            except ValidationError as error:
                self.message_user(request, f"{delivery}: {' '.join(error.messages)}", messages.ERROR)
            else:
                redelivered += 1
        if redelivered:
            self.message_user(request, f"Redelivery queued for {redelivered} event(s).", messages.SUCCESS)


@admin.register(SeamEvent)
class SeamEventAdmin(TenantAdmin):
    """Seam's events as received: what each did, and why one failed. Managers and up process one again."""

    list_display = ["event_type", "workspace", "occurred_at", "received_at", "via", "outcome", "error"]
    list_filter = ["outcome", "via", "event_type"]
    search_fields = ["seam_event_id", "event_type"]
    date_hierarchy = "received_at"
    actions = ["process_again"]
    readonly_fields = [
        "workspace", "seam_event_id", "event_type", "occurred_at", "seam_created_at", "received_at", "via",
        "outcome", "result", "error", "attempts", "processed_at", "payload",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workspace")

    def has_add_permission(self, request):
        return False  # events come from Seam only

    def has_change_permission(self, request, obj=None):
        return False  # a record of what arrived: read-only

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Process again")
    def process_again(self, request, queryset):
        events = list(queryset)
        permitted, refused = self.split_by_role(request, events, self.edit_roles)
        queued = 0
        by_workspace: dict = {}
        for seam_event in permitted:
            by_workspace.setdefault(seam_event.workspace, []).append(seam_event.pk)
        for workspace, pks in by_workspace.items():
            queued += seam_events_process_again(workspace=workspace, seam_event_pks=pks)
        self.message_user(request, f"{queued} event(s) queued to be processed again.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{len(refused)} event(s) left alone: processing again needs the manager role.",
                messages.WARNING,
            )


@admin.register(SeamWebhookEndpoint)
class SeamWebhookEndpointAdmin(TenantAdmin):
    """Whether Seam delivers to the workspace and the last registration problem; the URL token and the
    secret are never shown (`manage.py seam_webhook_endpoint` prints them to the operator)."""

    edit_roles = WORKSPACE_ADMIN_ROLES
    view_roles = WORKSPACE_ADMIN_ROLES
    # Not the registered URL: it holds the token.
    list_display = ["workspace", "receives_deliveries", "seam_webhook_id", "last_registration_error"]
    fields = ["workspace", "receives_deliveries", "seam_webhook_id", "last_registration_error", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
