from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Workspaces"

    def ready(self):
        from portal import checks  # noqa: F401  (registers the deployment checks)
        from portal.hooks import receivers

        receivers.connect(app_config=self)
