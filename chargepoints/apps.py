from django.apps import AppConfig


class ChargepointsConfig(AppConfig):
    name = "chargepoints"
    verbose_name = "Charging stations"
