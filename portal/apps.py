from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Workspaces"

    def ready(self):
        from portal import checks  # noqa: F401  (registers the deployment checks)
        from portal.hooks import receivers
        from portal.outbound.schedules import webhook_dispatch_schedule_ensure
        from portal.schedules import worker_heartbeat_schedule_ensure

        receivers.connect(app_config=self)
        post_migrate.connect(
            webhook_dispatch_schedule_ensure, sender=self, dispatch_uid="portal-webhooks-out-dispatch"
        )
        post_migrate.connect(
            worker_heartbeat_schedule_ensure, sender=self, dispatch_uid="portal-worker-heartbeat"
        )
