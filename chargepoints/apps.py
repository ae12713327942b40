from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, pre_delete
from django.utils.module_loading import autodiscover_modules


class ChargepointsConfig(AppConfig):
    name = "chargepoints"
    verbose_name = "Charging stations"

    def ready(self) -> None:
        from tariffs.models import Tariff

        from .receivers import protect_tariffs_in_use
        from .roles import roles_sync
        from .staff_login import staff_session_start

        post_migrate.connect(roles_sync, dispatch_uid="chargepoints.roles_sync")
        # Every app's dashboard cards (chargepoints.dashboard); all models are loaded by the time ready() runs.
        autodiscover_modules("dashboard")
        user_logged_in.connect(staff_session_start, dispatch_uid="chargepoints.staff_session_start")
        pre_delete.connect(protect_tariffs_in_use, sender=Tariff, dispatch_uid="chargepoints.protect_tariffs_in_use")
