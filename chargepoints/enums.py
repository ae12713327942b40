"""Enumerations of the station domain. Values are the OCPI 2.2.1 ones, so that nothing is lost on the way out. The
energy mix's categories, which tariffs share, are ``tariffs.enums``'."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvseStatus(models.TextChoices):
    AVAILABLE = "AVAILABLE", _("Available")
    BLOCKED = "BLOCKED", _("Blocked")
    CHARGING = "CHARGING", _("Charging")
    INOPERATIVE = "INOPERATIVE", _("Inoperative")
    OUTOFORDER = "OUTOFORDER", _("Out of order")
    PLANNED = "PLANNED", _("Planned")
    REMOVED = "REMOVED", _("Removed")
    RESERVED = "RESERVED", _("Reserved")
    UNKNOWN = "UNKNOWN", _("Unknown")


class Capability(models.TextChoices):
    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE", _("Charging Profile Capable")
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE", _("Charging Preferences Capable")
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT", _("Chip Card Support")
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT", _("Contactless Card Support")
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE", _("Credit Card Payable")
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE", _("Debit Card Payable")
    PED_TERMINAL = "PED_TERMINAL", _("Ped Terminal")
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE", _("Remote Start Stop Capable")
    RESERVABLE = "RESERVABLE", _("Reservable")
    RFID_READER = "RFID_READER", _("Rfid Reader")
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED", _("Start Session Connector Required")
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE", _("Token Group Capable")
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE", _("Unlock Capable")


# The capabilities that say an EVSE takes payment cards ad hoc. Their one write path is the payments app's catalogue
# service (with the connectors' AD_HOC_PAYMENT tariffs); the admin's EVSE editor leaves them as they are.
CARD_PAYMENT_CAPABILITIES = (
    Capability.CREDIT_CARD_PAYABLE,
    Capability.DEBIT_CARD_PAYABLE,
    Capability.CONTACTLESS_CARD_SUPPORT,
)


class ConnectorFormat(models.TextChoices):
    SOCKET = "SOCKET", _("Socket")
    CABLE = "CABLE", _("Cable")


class ConnectorType(models.TextChoices):
    CHADEMO = "CHADEMO", "CHAdeMO"
    CHAOJI = "CHAOJI", "ChaoJi"
    DOMESTIC_A = "DOMESTIC_A", _("Domestic A")
    DOMESTIC_B = "DOMESTIC_B", _("Domestic B")
    DOMESTIC_C = "DOMESTIC_C", _("Domestic C")
    DOMESTIC_D = "DOMESTIC_D", _("Domestic D")
    DOMESTIC_E = "DOMESTIC_E", _("Domestic E")
    DOMESTIC_F = "DOMESTIC_F", _("Domestic F (Schuko)")
    DOMESTIC_G = "DOMESTIC_G", _("Domestic G")
    DOMESTIC_H = "DOMESTIC_H", _("Domestic H")
    DOMESTIC_I = "DOMESTIC_I", _("Domestic I")
    DOMESTIC_J = "DOMESTIC_J", _("Domestic J")
    DOMESTIC_K = "DOMESTIC_K", _("Domestic K")
    DOMESTIC_L = "DOMESTIC_L", _("Domestic L")
    DOMESTIC_M = "DOMESTIC_M", _("Domestic M")
    DOMESTIC_N = "DOMESTIC_N", _("Domestic N")
    DOMESTIC_O = "DOMESTIC_O", _("Domestic O")
    GBT_AC = "GBT_AC", "GB/T AC"
    GBT_DC = "GBT_DC", "GB/T DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16", _("IEC 60309-2 single 16 A")
    IEC_60309_2_three_16 = "IEC_60309_2_three_16", _("IEC 60309-2 three 16 A")
    IEC_60309_2_three_32 = "IEC_60309_2_three_32", _("IEC 60309-2 three 32 A")
    IEC_60309_2_three_64 = "IEC_60309_2_three_64", _("IEC 60309-2 three 64 A")
    IEC_62196_T1 = "IEC_62196_T1", _("Type 1")
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO", "CCS1"
    IEC_62196_T2 = "IEC_62196_T2", _("Type 2")
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO", "CCS2"
    IEC_62196_T3A = "IEC_62196_T3A", _("Type 3A")
    IEC_62196_T3C = "IEC_62196_T3C", _("Type 3C")
    NEMA_5_20 = "NEMA_5_20", "NEMA 5-20"
    NEMA_6_30 = "NEMA_6_30", "NEMA 6-30"
    NEMA_6_50 = "NEMA_6_50", "NEMA 6-50"
    NEMA_10_30 = "NEMA_10_30", "NEMA 10-30"
    NEMA_10_50 = "NEMA_10_50", "NEMA 10-50"
    NEMA_14_30 = "NEMA_14_30", "NEMA 14-30"
    NEMA_14_50 = "NEMA_14_50", "NEMA 14-50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP", _("Pantograph bottom-up")
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN", _("Pantograph top-down")
    TESLA_R = "TESLA_R", "Tesla Roadster"
    TESLA_S = "TESLA_S", "Tesla Model S"


class PowerType(models.TextChoices):
    AC_1_PHASE = "AC_1_PHASE", _("AC 1-phase")
    AC_2_PHASE = "AC_2_PHASE", _("AC 2-phase")
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT", _("AC split-phase")
    AC_3_PHASE = "AC_3_PHASE", _("AC 3-phase")
    DC = "DC", "DC"


class Facility(models.TextChoices):
    HOTEL = "HOTEL", _("Hotel")
    RESTAURANT = "RESTAURANT", _("Restaurant")
    CAFE = "CAFE", _("Cafe")
    MALL = "MALL", _("Mall")
    SUPERMARKET = "SUPERMARKET", _("Supermarket")
    SPORT = "SPORT", _("Sport")
    RECREATION_AREA = "RECREATION_AREA", _("Recreation area")
    NATURE = "NATURE", _("Nature")
    MUSEUM = "MUSEUM", _("Museum")
    BIKE_SHARING = "BIKE_SHARING", _("Bike sharing")
    BUS_STOP = "BUS_STOP", _("Bus stop")
    TAXI_STAND = "TAXI_STAND", _("Taxi stand")
    TRAM_STOP = "TRAM_STOP", _("Tram stop")
    METRO_STATION = "METRO_STATION", _("Metro station")
    TRAIN_STATION = "TRAIN_STATION", _("Train station")
    AIRPORT = "AIRPORT", _("Airport")
    PARKING_LOT = "PARKING_LOT", _("Parking lot")
    CARPOOL_PARKING = "CARPOOL_PARKING", _("Carpool parking")
    FUEL_STATION = "FUEL_STATION", _("Fuel station")
    WIFI = "WIFI", _("Wifi")


class ParkingRestriction(models.TextChoices):
    EV_ONLY = "EV_ONLY", _("Electric vehicles only")
    PLUGGED = "PLUGGED", _("While plugged in")
    DISABLED = "DISABLED", _("Disabled drivers")
    CUSTOMERS = "CUSTOMERS", _("Customers only")
    MOTORCYCLES = "MOTORCYCLES", _("Motorcycles")


class ParkingType(models.TextChoices):
    ALONG_MOTORWAY = "ALONG_MOTORWAY", _("Along motorway")
    PARKING_GARAGE = "PARKING_GARAGE", _("Parking garage")
    PARKING_LOT = "PARKING_LOT", _("Parking lot")
    ON_DRIVEWAY = "ON_DRIVEWAY", _("On driveway")
    ON_STREET = "ON_STREET", _("On street")
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE", _("Underground garage")


class ImageCategory(models.TextChoices):
    CHARGER = "CHARGER", _("Charger")
    ENTRANCE = "ENTRANCE", _("Entrance")
    LOCATION = "LOCATION", _("Location")
    NETWORK = "NETWORK", _("Network")
    OPERATOR = "OPERATOR", _("Operator")
    OTHER = "OTHER", _("Other")
    OWNER = "OWNER", _("Owner")


class TokenType(models.TextChoices):
    """OCPI codes (mod_tokens.asciidoc §TokenType enum), shown as they are."""

    AD_HOC_USER = "AD_HOC_USER", "AD_HOC_USER"
    APP_USER = "APP_USER", "APP_USER"
    OTHER = "OTHER", "OTHER"
    RFID = "RFID", "RFID"


class PowerClass(models.TextChoices):
    """Staff-facing speed classes, by the highest connector power of an EVSE."""

    SLOW = "slow", _("Slow (< 11 kW)")
    FAST = "fast", _("Fast (11–49 kW)")
    RAPID = "rapid", _("Rapid (50–149 kW)")
    ULTRA = "ultra", _("Ultra (≥ 150 kW)")

    @classmethod
    def watt_ranges(cls) -> dict["PowerClass", tuple[int | None, int | None]]:
        """Each class's [lowest, highest) power in watts; None: unbounded."""
        return {
            cls.SLOW: (None, 11_000),
            cls.FAST: (11_000, 50_000),
            cls.RAPID: (50_000, 150_000),
            cls.ULTRA: (150_000, None),
        }
