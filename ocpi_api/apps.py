from django.apps import AppConfig


class OcpiApiConfig(AppConfig):
    name = "ocpi_api"
    verbose_name = "OCPI"

    def ready(self) -> None:
        # Registers the "ocpi" format of `import_locations`; the station domain cannot import us.
        from . import importers  # noqa: F401
