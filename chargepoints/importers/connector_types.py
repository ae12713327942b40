"""Connector names of the data sets, mapped to OCPI ConnectorType through Open Charge Map's connection types.

Neither NOBIL nor the Bundesnetzagentur uses OCPI's enumeration, so each source label is first matched to an Open
Charge Map ConnectionType (a shared vocabulary with stable ids), and that type to the OCPI value.

Reference data © Open Charge Map contributors (openchargemap.org), CC BY-SA 4.0: the connection type ids and titles
below are taken from Open Charge Map's reference.json (openchargemap/ocm-data, commit b98a481b).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import ConnectorFormat, ConnectorType


@dataclass(frozen=True)
class OcmConnectionType:
    id: int
    title: str
    standard: ConnectorType | None  # None: OCPI 2.2.1 has no value for it
    format: ConnectorFormat | None = None  # set where the type itself says socket or tethered cable


_TYPES = [
    OcmConnectionType(0, "Unknown", None),
    OcmConnectionType(1, "Type 1 (J1772)", ConnectorType.IEC_62196_T1),
    OcmConnectionType(2, "CHAdeMO", ConnectorType.CHADEMO, ConnectorFormat.CABLE),
    OcmConnectionType(3, "BS1363 3 Pin 13 Amp", ConnectorType.DOMESTIC_G, ConnectorFormat.SOCKET),
    OcmConnectionType(4, "Blue Commando (2P+E)", ConnectorType.IEC_60309_2_single_16, ConnectorFormat.SOCKET),
    OcmConnectionType(5, "LP Inductive", None),
    OcmConnectionType(6, "SP Inductive", None),
    OcmConnectionType(7, "Avcon Connector", None),
    OcmConnectionType(8, "Tesla (Roadster)", ConnectorType.TESLA_R, ConnectorFormat.CABLE),
    OcmConnectionType(9, "NEMA 5-20R", ConnectorType.NEMA_5_20, ConnectorFormat.SOCKET),
    OcmConnectionType(10, "NEMA 14-30", ConnectorType.NEMA_14_30, ConnectorFormat.SOCKET),
    OcmConnectionType(11, "NEMA 14-50", ConnectorType.NEMA_14_50, ConnectorFormat.SOCKET),
    OcmConnectionType(13, "Europlug 2-Pin (CEE 7/16)", ConnectorType.DOMESTIC_C, ConnectorFormat.SOCKET),
    OcmConnectionType(16, "CEE 3 Pin", ConnectorType.IEC_60309_2_single_16, ConnectorFormat.SOCKET),
    OcmConnectionType(17, "CEE 5 Pin", ConnectorType.IEC_60309_2_three_16, ConnectorFormat.SOCKET),
    OcmConnectionType(22, "NEMA 5-15R", ConnectorType.DOMESTIC_B, ConnectorFormat.SOCKET),
    OcmConnectionType(23, "CEE 7/5", ConnectorType.DOMESTIC_E, ConnectorFormat.SOCKET),
    OcmConnectionType(24, "Wireless Charging", None),
    OcmConnectionType(25, "Type 2 (Socket Only)", ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET),
    OcmConnectionType(26, "SCAME Type 3C (Schneider-Legrand)", ConnectorType.IEC_62196_T3C, ConnectorFormat.SOCKET),
    OcmConnectionType(27, "Tesla Supercharger", ConnectorType.TESLA_S, ConnectorFormat.CABLE),
    OcmConnectionType(28, "CEE 7/4 - Schuko - Type F", ConnectorType.DOMESTIC_F, ConnectorFormat.SOCKET),
    OcmConnectionType(29, "Type I (AS 3112)", ConnectorType.DOMESTIC_I, ConnectorFormat.SOCKET),
    OcmConnectionType(30, "Tesla (Model S/X)", ConnectorType.TESLA_S, ConnectorFormat.CABLE),
    OcmConnectionType(31, "Tesla Battery Swap", None),
    OcmConnectionType(32, "CCS (Type 1)", ConnectorType.IEC_62196_T1_COMBO, ConnectorFormat.CABLE),
    OcmConnectionType(33, "CCS (Type 2)", ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE),
    OcmConnectionType(34, "IEC 60309 3-pin", ConnectorType.IEC_60309_2_single_16, ConnectorFormat.SOCKET),
    OcmConnectionType(35, "IEC 60309 5-pin", ConnectorType.IEC_60309_2_three_16, ConnectorFormat.SOCKET),
    OcmConnectionType(36, "SCAME Type 3A (Low Power)", ConnectorType.IEC_62196_T3A, ConnectorFormat.SOCKET),
    OcmConnectionType(1036, "Type 2 (Tethered Connector)", ConnectorType.IEC_62196_T2, ConnectorFormat.CABLE),
    OcmConnectionType(1037, "T13 - SEC1011 (Swiss domestic 3-pin) - Type J", ConnectorType.DOMESTIC_J),
    OcmConnectionType(1038, "GB-T AC - GB/T 20234.2 (Socket)", ConnectorType.GBT_AC, ConnectorFormat.SOCKET),
    OcmConnectionType(1039, "GB-T AC - GB/T 20234.2 (Tethered Cable)", ConnectorType.GBT_AC, ConnectorFormat.CABLE),
    OcmConnectionType(1040, "GB-T DC - GB/T 20234.3", ConnectorType.GBT_DC, ConnectorFormat.CABLE),
]
OCM_CONNECTION_TYPES: dict[int, OcmConnectionType] = {t.id: t for t in _TYPES}

# NOBIL attribute 4 ("Connector"), keyed by its value id (attrvalid); the NOBIL label is in the comment.
NOBIL_CONNECTORS: dict[str, int] = {
    "14": 28,  # Schuko
    "30": 2,  # CHAdeMO
    "31": 1,  # Type 1
    "32": 25,  # Type 2 (NOBIL's attribute 25 "Fixed cable" tells socket from cable)
    "39": 33,  # CCS/Combo (CCS in Europe is the Type 2 based combo)
    "40": 30,  # Tesla Connector Model
}

# Bundesnetzagentur Ladesäulenregister `connector_type` labels ("Steckdose" is a socket, "Fahrzeugkupplung" a cable
# with its vehicle coupler), as listed by ocpdb's importer of the register.
BNETZA_CONNECTORS: dict[str, tuple[int, ConnectorFormat]] = {
    "AC Typ 2 Steckdose": (25, ConnectorFormat.SOCKET),
    "AC Typ 2 Fahrzeugkupplung": (1036, ConnectorFormat.CABLE),
    "AC Typ 1 Steckdose": (1, ConnectorFormat.SOCKET),
    "AC Typ 1 Fahrzeugkupplung": (1, ConnectorFormat.CABLE),
    "AC Schuko": (28, ConnectorFormat.SOCKET),
    "AC CEE 3 polig": (16, ConnectorFormat.SOCKET),
    "AC CEE 5 polig": (17, ConnectorFormat.SOCKET),
    "DC Fahrzeugkupplung Typ Combo 2 (CCS)": (33, ConnectorFormat.CABLE),
    "DC CHAdeMO": (2, ConnectorFormat.CABLE),
}
