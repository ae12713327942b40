from django.apps import AppConfig

from chargepoints.roles import OPERATIONS


class OcpiPushConfig(AppConfig):
    name = "ocpi_api.push"
    label = "ocpi_push"
    verbose_name = "Partner deliveries"
    staff_role_grants = {OPERATIONS: {"ocpi_push": ("view", "change")}}

    def ready(self) -> None:
        from .receivers import connect

        connect()
