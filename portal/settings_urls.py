"""Included at `w/<workspace_slug>/settings/`: the portal's settings pages (the apps above add theirs)."""

from django.urls import path

from portal import settings_views as views

urlpatterns = [
    path("", views.MembersView.as_view(), name="settings_members"),
    path("members/<int:pk>/", views.MemberChangeView.as_view(), name="settings_member_change"),
    path("tokens/", views.TokensView.as_view(), name="settings_tokens"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="settings_token_revoke"),
    path("webhooks/", views.WebhooksView.as_view(), name="settings_webhooks"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="settings_webhook_detail"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        views.WebhookRedeliverView.as_view(),
        name="settings_webhook_redeliver",
    ),
    path("seam/", views.SeamKeyView.as_view(), name="settings_seam"),
]
