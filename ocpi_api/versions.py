"""The OCPI versions and modules this platform implements. Version details list exactly these."""

from __future__ import annotations

from .core.registry import OcpiModule, OcpiVersion, Route
from .core.status import InterfaceRole

_CREDENTIALS = "ocpi_api.modules.credentials.views.CredentialsView"
_LOCATIONS = "ocpi_api.modules.locations.views"
_SESSIONS = "ocpi_api.modules.sessions.views"
_TOKENS = "ocpi_api.modules.tokens.views"
_COMMANDS = "ocpi_api.modules.commands.views"

V2_2_1 = OcpiVersion(
    number="2.2.1",
    modules=(
        # For credentials the role means nothing; the digest (§1.2) says to advertise our own as SENDER.
        OcpiModule("credentials", InterfaceRole.SENDER, "2.2.1/credentials", (Route("", _CREDENTIALS),)),
        OcpiModule(
            "locations",
            InterfaceRole.SENDER,
            "cpo/2.2.1/locations",
            (
                Route("", f"{_LOCATIONS}.LocationListView"),
                Route(r"/(?P<location_id>[^/]+)", f"{_LOCATIONS}.LocationView"),
                Route(r"/(?P<location_id>[^/]+)/(?P<evse_uid>[^/]+)", f"{_LOCATIONS}.EvseView"),
                Route(
                    r"/(?P<location_id>[^/]+)/(?P<evse_uid>[^/]+)/(?P<connector_id>[^/]+)",
                    f"{_LOCATIONS}.ConnectorView",
                ),
            ),
        ),
        OcpiModule(
            "sessions",
            InterfaceRole.SENDER,
            "cpo/2.2.1/sessions",
            (
                Route("", f"{_SESSIONS}.SessionListView"),
                Route(r"/(?P<session_id>[^/]+)/charging_preferences", f"{_SESSIONS}.ChargingPreferencesView"),
            ),
        ),
        OcpiModule(
            "cdrs", InterfaceRole.SENDER, "cpo/2.2.1/cdrs", (Route("", "ocpi_api.modules.cdrs.views.CdrListView"),)
        ),
        OcpiModule(
            "tokens",
            InterfaceRole.RECEIVER,
            "cpo/2.2.1/tokens",
            (
                Route("", f"{_TOKENS}.TokensRootView"),
                Route(r"/(?P<country_code>[^/]+)/(?P<party_id>[^/]+)/(?P<token_uid>[^/]+)", f"{_TOKENS}.TokenView"),
            ),
        ),
        OcpiModule(
            "commands",
            InterfaceRole.RECEIVER,
            "cpo/2.2.1/commands",
            (Route("", f"{_COMMANDS}.CommandsRootView"), Route(r"/(?P<command>[^/]+)", f"{_COMMANDS}.CommandView")),
        ),
    ),
)

# Highest first: the order in which we offer and negotiate versions.
VERSIONS: tuple[OcpiVersion, ...] = (V2_2_1,)
SUPPORTED = {version.number: version for version in VERSIONS}
