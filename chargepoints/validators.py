"""Validators for station data. Each raises ``ValidationError`` with a message that names the offending field."""

import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from tariffs.enums import EnergySourceCategory, EnvironmentalImpactCategory

from .enums import EvseStatus, ImageCategory, TokenType

LATITUDE_RE = re.compile(r"^-?[0-9]{1,2}\.[0-9]{5,7}$")
LONGITUDE_RE = re.compile(r"^-?[0-9]{1,3}\.[0-9]{5,7}$")
HOUR_MINUTE_RE = re.compile(r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
# CiString: printable ASCII, no control characters.
CI_STRING_RE = re.compile(r"^[\x20-\x7e]*$")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            _("'%(value)s' is not an IANA time zone (for example Europe/Stockholm).") % {"value": value}
        )


def validate_latitude(value: str) -> None:
    if not LATITUDE_RE.match(value) or not -90 <= float(value) <= 90:
        raise ValidationError(
            _("latitude '%(value)s' must be between -90 and 90 with 5 to 7 decimals, e.g. 59.858562.")
            % {"value": value}
        )


def validate_longitude(value: str) -> None:
    if not LONGITUDE_RE.match(value) or not -180 <= float(value) <= 180:
        raise ValidationError(
            _("longitude '%(value)s' must be between -180 and 180 with 5 to 7 decimals, e.g. 17.638927.")
            % {"value": value}
        )


def validate_ci_string(value: str) -> None:
    if not CI_STRING_RE.match(value):
        raise ValidationError(_("'%(value)s' may only hold printable ASCII characters.") % {"value": value})


def validate_no_control_characters(value: str) -> None:
    if any(ch in value for ch in "\r\n\t"):
        raise ValidationError(_("Text may not contain line breaks or tabs."))


def validate_alpha3_country(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValidationError(
            _("country '%(value)s' must be an ISO 3166-1 alpha-3 code such as SWE.") % {"value": value}
        )


def validate_alpha2_country(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValidationError(
            _("country_code '%(value)s' must be an ISO 3166-1 alpha-2 code such as SE.") % {"value": value}
        )


def validate_party_id(value: str) -> None:
    if not re.fullmatch(r"[A-Z0-9]{3}", value):
        raise ValidationError(
            _("party_id '%(value)s' must be three letters or digits, such as CPO.") % {"value": value}
        )


# --- Structured sub-objects stored as JSON ----------------------------------------------------------------------


def _fail(path: str, message: str) -> ValidationError:
    return ValidationError(f"{path}: {message}")


def _require_mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, "must be an object")
    return value


def _require_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, "must be a list")
    return value


def _check_string(obj: Mapping[str, Any], key: str, path: str, *, max_length: int, required: bool) -> None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(f"{path}.{key}", "is required")
        return
    if not isinstance(value, str):
        raise _fail(f"{path}.{key}", "must be a string")
    if len(value) > max_length:
        raise _fail(f"{path}.{key}", f"is longer than {max_length} characters")


def _check_choice(obj: Mapping[str, Any], key: str, path: str, choices: Iterable[str], *, required: bool) -> None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(f"{path}.{key}", "is required")
        return
    allowed = list(choices)
    if value not in allowed:
        raise _fail(f"{path}.{key}", f"'{value}' is not one of {', '.join(allowed)}")


def _check_number(
    obj: Mapping[str, Any], key: str, path: str, *, low: float | None = None, high: float | None = None
) -> None:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"{path}.{key}", "must be a number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(f"{path}.{key}", f"must be between {low} and {high}")


def _each(value: Any, path: str, check: Callable[[Mapping[str, Any], str], None]) -> None:
    for index, item in enumerate(_require_list(value, path)):
        item_path = f"{path}[{index}]"
        check(_require_mapping(item, item_path), item_path)


def _check_display_text(item: Mapping[str, Any], path: str) -> None:
    _check_string(item, "language", path, max_length=2, required=True)
    _check_string(item, "text", path, max_length=512, required=True)


def _check_image(item: Mapping[str, Any], path: str) -> None:
    _check_string(item, "url", path, max_length=255, required=True)
    _check_string(item, "thumbnail", path, max_length=255, required=False)
    _check_choice(item, "category", path, ImageCategory.values, required=True)
    _check_string(item, "type", path, max_length=4, required=True)
    for key in ("width", "height"):
        if item.get(key) is not None:
            _check_number(item, key, path, low=0, high=99999)


def validate_display_texts(value: Any) -> None:
    _each(value, "directions", _check_display_text)


def validate_images(value: Any) -> None:
    _each(value, "images", _check_image)


def validate_business_details(value: Any, path: str = "business_details") -> None:
    if value is None:
        return
    details = _require_mapping(value, path)
    _check_string(details, "name", path, max_length=100, required=True)
    _check_string(details, "website", path, max_length=255, required=False)
    if details.get("logo") is not None:
        _check_image(_require_mapping(details["logo"], f"{path}.logo"), f"{path}.logo")


def validate_related_locations(value: Any) -> None:
    def check(item: Mapping[str, Any], path: str) -> None:
        _check_string(item, "latitude", path, max_length=10, required=True)
        _check_string(item, "longitude", path, max_length=11, required=True)
        validate_latitude(item["latitude"])
        validate_longitude(item["longitude"])
        if item.get("name") is not None:
            _check_display_text(_require_mapping(item["name"], f"{path}.name"), f"{path}.name")

    _each(value, "related_locations", check)


def validate_energy_mix(value: Any) -> None:
    if value is None:
        return
    mix = _require_mapping(value, "energy_mix")
    if not isinstance(mix.get("is_green_energy"), bool):
        raise _fail("energy_mix.is_green_energy", "is required and must be true or false")

    def check_source(item: Mapping[str, Any], path: str) -> None:
        _check_choice(item, "source", path, EnergySourceCategory.values, required=True)
        _check_number(item, "percentage", path, low=0, high=100)

    def check_impact(item: Mapping[str, Any], path: str) -> None:
        _check_choice(item, "category", path, EnvironmentalImpactCategory.values, required=True)
        _check_number(item, "amount", path, low=0)

    if mix.get("energy_sources") is not None:
        _each(mix["energy_sources"], "energy_mix.energy_sources", check_source)
    if mix.get("environ_impact") is not None:
        _each(mix["environ_impact"], "energy_mix.environ_impact", check_impact)
    _check_string(mix, "supplier_name", "energy_mix", max_length=64, required=False)
    _check_string(mix, "energy_product_name", "energy_mix", max_length=64, required=False)


def validate_publish_allowed_to(value: Any) -> None:
    def check(item: Mapping[str, Any], path: str) -> None:
        if not any(item.get(key) for key in ("uid", "visual_number", "group_id")):
            raise _fail(path, "needs at least one of uid, visual_number or group_id")
        if item.get("uid") and not item.get("type"):
            raise _fail(f"{path}.type", "is required when uid is set")
        if item.get("visual_number") and not item.get("issuer"):
            raise _fail(f"{path}.issuer", "is required when visual_number is set")
        _check_string(item, "uid", path, max_length=36, required=False)
        _check_choice(item, "type", path, TokenType.values, required=False)
        _check_string(item, "visual_number", path, max_length=64, required=False)
        _check_string(item, "issuer", path, max_length=64, required=False)
        _check_string(item, "group_id", path, max_length=36, required=False)

    _each(value, "publish_allowed_to", check)


def validate_status_schedule(value: Any) -> None:
    def check(item: Mapping[str, Any], path: str) -> None:
        _check_string(item, "period_begin", path, max_length=25, required=True)
        _check_string(item, "period_end", path, max_length=25, required=False)
        _check_choice(item, "status", path, EvseStatus.values, required=True)

    _each(value, "status_schedule", check)


@deconstructible
class EnumListValidator:
    """Validates a JSON list whose items must come from one enumeration."""

    def __init__(self, field: str, choices: Iterable[str]) -> None:
        self.field = field
        self.choices = sorted(choices)

    def __call__(self, value: Any) -> None:
        for index, item in enumerate(_require_list(value, self.field)):
            if item not in self.choices:
                raise _fail(f"{self.field}[{index}]", f"'{item}' is not one of {', '.join(self.choices)}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnumListValidator) and (self.field, self.choices) == (other.field, other.choices)


def validate_tariff_ids(value: Any) -> None:
    for index, item in enumerate(_require_list(value, "tariff_ids")):
        if not isinstance(item, str) or not 0 < len(item) <= 36:
            raise _fail(f"tariff_ids[{index}]", "must be a tariff id of 1 to 36 characters")


def validate_operator(value: Any) -> None:
    validate_business_details(value, "operator")


def validate_suboperator(value: Any) -> None:
    validate_business_details(value, "suboperator")


def validate_owner(value: Any) -> None:
    validate_business_details(value, "owner")
