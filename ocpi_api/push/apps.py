from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from chargepoints.roles import OPERATIONS


class OcpiPushConfig(AppConfig):
    name = "ocpi_api.push"
    label = "ocpi_push"
    verbose_name = _("Partner deliveries")
    staff_role_grants = {OPERATIONS: {"ocpi_push": ("view", "change")}}

    def ready(self) -> None:
        from .receivers import connect

        connect()
