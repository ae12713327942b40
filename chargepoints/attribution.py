"""Attribution that the licences of the data we ship and show require. Rendered on the public attribution page."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Attribution:
    title: str
    used_for: StrOrPromise  # ours, translated; the title and the licence's wording stay as their owners wrote them
    licence: str
    licence_url: str
    source_url: str
    statement: str


ATTRIBUTIONS: tuple[Attribution, ...] = (
    Attribution(
        title="NOBIL charging station database (Sweden)",
        used_for=_("Demo stations in Uppsala and Nässjö"),
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        source_url="https://nobil.no",
        statement=(
            "Charging station data © NOBIL (nobil.no), Swedish data registered via Energimyndigheten, "
            "licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
        ),
    ),
    Attribution(
        title="Bundesnetzagentur Ladesäulenregister (Germany)",
        used_for=_("Demo stations in Germany (a 918-station subset)"),
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        source_url="https://www.bundesnetzagentur.de/ladesaeulenkarte",
        statement=(
            "Quelle: Bundesnetzagentur, Ladesäulenregister (www.bundesnetzagentur.de/ladesaeulenkarte), "
            "Lizenz CC BY 4.0"
        ),
    ),
    Attribution(
        title="Open Charge Map reference data",
        used_for=_("The mapping of connector names to OCPI connector types"),
        licence="CC BY-SA 4.0",
        licence_url="https://creativecommons.org/licenses/by-sa/4.0/",
        source_url="https://openchargemap.org",
        statement="Reference data © Open Charge Map contributors (openchargemap.org), CC BY-SA 4.0",
    ),
    Attribution(
        title="Natural Earth (1:50m countries and land)",
        used_for=_("The station maps' basemap: land, coastlines and country borders, drawn without a tile server"),
        licence="Public domain",
        licence_url="https://www.naturalearthdata.com/about/terms-of-use/",
        source_url="https://www.naturalearthdata.com",
        statement="Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.",
    ),
    Attribution(
        title="OCPI 2.2.1 specification examples",
        used_for=_("Contract tests of our OCPI output (files kept verbatim)"),
        licence="CC BY-ND 4.0",
        licence_url="https://creativecommons.org/licenses/by-nd/4.0/",
        source_url="https://github.com/ocpi/ocpi",
        statement="Copyright © 2014 – 2026 EVRoaming Foundation. All rights reserved. Licensed under CC BY-ND 4.0.",
    ),
)
