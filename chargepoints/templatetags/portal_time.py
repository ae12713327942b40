"""How every portal page shows a moment: one rule, one place.

- Charging times (a session's or CDR's start and end, meter periods) in the station's local time: the tag
  ``{% station_time value zone [shape] %}``.
- Audit times (when a record was made, changed, sent, decided) in the reader's zone: ``audit_time``. That zone is
  ``PORTAL_TIME_ZONE`` (Europe/Stockholm by default) for everyone until users get a zone of their own.

Both label the zone ("CET", "CEST", "UTC"), use the active language's format (config/formats) and carry the instant in
UTC in a <time> element's datetime attribute and tooltip, so any two pages agree and a reader can check either way.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# The shapes a template asks for, by name: the active language's format for each.
_FORMATS = {
    "datetime": "SHORT_DATETIME_FORMAT",
    "seconds": "SHORT_DATETIME_FORMAT",  # plus ":s"
    "date": "SHORT_DATE_FORMAT",
    "time": "TIME_FORMAT",
    "time_seconds": "TIME_FORMAT",  # plus ":s"
}


def _zone(name: str | tzinfo | None) -> tzinfo:
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC  # a station with an unknown zone: say UTC rather than guess


def user_time_zone() -> tzinfo:
    """The zone audit times are shown in."""
    return _zone(settings.PORTAL_TIME_ZONE)


def moment(value: datetime | None, zone: tzinfo, shape: str = "datetime") -> SafeString | str:
    """``value`` in ``zone``, formatted for the active language, with the zone's abbreviation."""
    if not isinstance(value, datetime):
        return "–"
    local = value.astimezone(zone)
    fmt = formats.get_format(_FORMATS.get(shape, "SHORT_DATETIME_FORMAT"))
    if shape in ("seconds", "time_seconds"):
        fmt = f"{fmt}:s"
    text = formats.date_format(local, fmt) if shape == "date" else f"{formats.date_format(local, fmt)} {local:%Z}"
    utc = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>', utc.isoformat(), f"{utc:%Y-%m-%d %H:%M:%S}", text
    )


@register.simple_tag
def station_time(value: datetime | None, zone_name: str | None, shape: str = "datetime") -> SafeString | str:
    """``{% station_time session.start_date_time session.location.time_zone %}``, or with a shape: "seconds", "date",
    "time" (``{% station_time session.end_date_time session.location.time_zone "time" %}``)."""
    return moment(value, _zone(zone_name), shape)


@register.filter
def audit_time(value: datetime | None, shape: str = "datetime") -> SafeString | str:
    """``{{ invoice.sent_at|audit_time }}``, ``{{ event.at|audit_time:"seconds" }}``"""
    return moment(value, user_time_zone(), shape)
