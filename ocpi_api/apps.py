from django.apps import AppConfig


class OcpiApiConfig(AppConfig):
    name = "ocpi_api"
    verbose_name = "OCPI"
