from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from chargepoints.portal import PortalSection
from chargepoints.roles import OPERATIONS

from .schedule import SILENT_CHARGERS_JOB


class OcppGatewayConfig(AppConfig):
    name = "ocpp_gateway"
    verbose_name = _("OCPP chargers")
    portal_sections = (PortalSection(25, _("Chargers"), "chargers:list", "ocpp_gateway.view_charger"),)
    staff_role_grants = {OPERATIONS: {"ocpp_gateway": ("view", "add", "change")}}
    periodic_jobs = (SILENT_CHARGERS_JOB,)

    def ready(self) -> None:
        import ocpp.messages

        # The library validates each message and answer in the default thread pool: two thread hops per frame that
        # cost more than the validation of a small OCPP 1.6 payload, which holds the interpreter lock either way.
        ocpp.messages.ASYNC_VALIDATION = False

        from chargepoints.control import set_charger_control
        from chargepoints.simulator import set_visit_player

        from .control import GatewayChargerControl
        from .simulated_charger import simulate_visit

        set_charger_control(GatewayChargerControl())
        set_visit_player(simulate_visit)
