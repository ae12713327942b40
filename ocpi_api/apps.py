from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from chargepoints.portal import PortalSection
from chargepoints.roles import OPERATIONS

from .schedule import TOKENS_PULL_JOB


class OcpiApiConfig(AppConfig):
    name = "ocpi_api"
    verbose_name = _("OCPI")
    periodic_jobs = (TOKENS_PULL_JOB,)
    portal_sections = (
        PortalSection(40, _("Partners"), "partners:list", "ocpi_api.view_partner"),
        PortalSection(50, _("Tokens"), "partners:tokens", "ocpi_api.view_emsptoken"),
    )
    staff_role_grants = {OPERATIONS: {"ocpi_api": ("view", "add", "change", "delete")}}

    def ready(self) -> None:
        from chargepoints.authorization import set_token_authority

        # importers registers the "ocpi" format of `import_locations`; the station domain cannot import us.
        # cdr_deliveries tells billing's CDR page where each CDR went; billing cannot import us either.
        from . import cdr_deliveries, importers, receivers  # noqa: F401
        from .authority import OcpiTokenAuthority

        # The station domain asks its registered authority about tokens; ours answers from eMSP tokens.
        set_token_authority(OcpiTokenAuthority())
        receivers.connect()
