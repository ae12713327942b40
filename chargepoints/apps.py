from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ChargepointsConfig(AppConfig):
    name = "chargepoints"
    verbose_name = "Charging stations"

    def ready(self) -> None:
        from .roles import roles_sync

        post_migrate.connect(roles_sync, dispatch_uid="chargepoints.roles_sync")
