"""The OCPI versions and modules this platform implements. Version details list exactly these."""

from __future__ import annotations

from .core.registry import OcpiModule, OcpiVersion, Route
from .core.status import InterfaceRole, ModuleID
from .modules.cdrs.views import CdrListView
from .modules.commands.views import CommandsRootView, CommandView
from .modules.credentials.views import CredentialsView
from .modules.locations.views import ConnectorView, EvseView, LocationListView, LocationView
from .modules.sessions.views import ChargingPreferencesView, SessionListView
from .modules.tariffs.views import TariffListView
from .modules.tokens.views import TokensRootView, TokenView

V2_2_1 = OcpiVersion(
    number="2.2.1",
    modules=(
        # For credentials the role means nothing; we advertise ours as SENDER (OCPI 2.2.1
        # version_information_endpoint.asciidoc).
        OcpiModule(ModuleID.CREDENTIALS, InterfaceRole.SENDER, "2.2.1/credentials", (Route("", CredentialsView),)),
        OcpiModule(
            ModuleID.LOCATIONS,
            InterfaceRole.SENDER,
            "cpo/2.2.1/locations",
            (
                Route("", LocationListView),
                Route(r"/(?P<location_id>[^/]+)", LocationView),
                Route(r"/(?P<location_id>[^/]+)/(?P<evse_uid>[^/]+)", EvseView),
                Route(
                    r"/(?P<location_id>[^/]+)/(?P<evse_uid>[^/]+)/(?P<connector_id>[^/]+)",
                    ConnectorView,
                ),
            ),
        ),
        OcpiModule(
            ModuleID.SESSIONS,
            InterfaceRole.SENDER,
            "cpo/2.2.1/sessions",
            (
                Route("", SessionListView),
                Route(r"/(?P<session_id>[^/]+)/charging_preferences", ChargingPreferencesView),
            ),
        ),
        OcpiModule(
            ModuleID.CDRS,
            InterfaceRole.SENDER,
            "cpo/2.2.1/cdrs",
            (Route("", CdrListView),),
        ),
        OcpiModule(ModuleID.TARIFFS, InterfaceRole.SENDER, "cpo/2.2.1/tariffs", (Route("", TariffListView),)),
        OcpiModule(
            ModuleID.TOKENS,
            InterfaceRole.RECEIVER,
            "cpo/2.2.1/tokens",
            (
                Route("", TokensRootView),
                Route(r"/(?P<country_code>[^/]+)/(?P<party_id>[^/]+)/(?P<token_uid>[^/]+)", TokenView),
            ),
        ),
        OcpiModule(
            ModuleID.COMMANDS,
            InterfaceRole.RECEIVER,
            "cpo/2.2.1/commands",
            (Route("", CommandsRootView), Route(r"/(?P<command>[^/]+)", CommandView)),
        ),
    ),
)

# OCPI 2.1.1 for legacy partners: the same views, converted at the edge (ocpi_api/core/v211). No charging preferences
# (2.1.1 has none); the Endpoint objects of its version details carry no role (2.1.1
# version_information_endpoint.md, Endpoint class).
V2_1_1 = OcpiVersion(
    number="2.1.1",
    modules=(
        OcpiModule(ModuleID.CREDENTIALS, InterfaceRole.SENDER, "2.1.1/credentials", (Route("", CredentialsView),)),
        OcpiModule(
            ModuleID.LOCATIONS,
            InterfaceRole.SENDER,
            "cpo/2.1.1/locations",
            (
                Route("", LocationListView),
                Route(r"/(?P<location_id>[^/]+)", LocationView),
                Route(r"/(?P<location_id>[^/]+)/(?P<evse_uid>[^/]+)", EvseView),
                Route(
                    r"/(?P<location_id>[^/]+)/(?P<evse_uid>[^/]+)/(?P<connector_id>[^/]+)",
                    ConnectorView,
                ),
            ),
        ),
        OcpiModule(ModuleID.TARIFFS, InterfaceRole.SENDER, "cpo/2.1.1/tariffs", (Route("", TariffListView),)),
        OcpiModule(ModuleID.SESSIONS, InterfaceRole.SENDER, "cpo/2.1.1/sessions", (Route("", SessionListView),)),
        OcpiModule(ModuleID.CDRS, InterfaceRole.SENDER, "cpo/2.1.1/cdrs", (Route("", CdrListView),)),
        OcpiModule(
            ModuleID.TOKENS,
            InterfaceRole.RECEIVER,
            "cpo/2.1.1/tokens",
            (
                Route("", TokensRootView),
                Route(r"/(?P<country_code>[^/]+)/(?P<party_id>[^/]+)/(?P<token_uid>[^/]+)", TokenView),
            ),
        ),
        OcpiModule(
            ModuleID.COMMANDS,
            InterfaceRole.RECEIVER,
            "cpo/2.1.1/commands",
            (Route("", CommandsRootView), Route(r"/(?P<command>[^/]+)", CommandView)),
        ),
    ),
)

# Highest first: the order in which we offer and negotiate versions.
VERSIONS: tuple[OcpiVersion, ...] = (V2_2_1, V2_1_1)
SUPPORTED = {version.number: version for version in VERSIONS}
