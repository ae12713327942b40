"""The OCPI versions and modules this platform implements. Version details list exactly these."""

from __future__ import annotations

from .core.registry import OcpiModule, OcpiVersion, Route
from .core.status import InterfaceRole

_CREDENTIALS = "ocpi_api.modules.credentials.views.CredentialsView"
_LOCATIONS = "ocpi_api.modules.locations.views"

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
    ),
)

# Highest first: the order in which we offer and negotiate versions.
VERSIONS: tuple[OcpiVersion, ...] = (V2_2_1,)
SUPPORTED = {version.number: version for version in VERSIONS}
