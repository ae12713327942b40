from django.apps import AppConfig


class OcppGatewayConfig(AppConfig):
    name = "ocpp_gateway"
    verbose_name = "OCPP chargers"

    def ready(self) -> None:
        from chargepoints.control import set_charger_control

        from .control import GatewayChargerControl

        set_charger_control(GatewayChargerControl())
