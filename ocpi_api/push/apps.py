from django.apps import AppConfig


class OcpiPushConfig(AppConfig):
    name = "ocpi_api.push"
    label = "ocpi_push"
    verbose_name = "Partner deliveries"

    def ready(self) -> None:
        from .receivers import connect

        connect()
