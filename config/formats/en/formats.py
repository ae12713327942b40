"""English as our staff and partners read it: ISO 8601 dates and a 24-hour clock, as in the Nordic countries (Django's
own "en" formats are American: "Dec. 2, 2026, 12:51 a.m."). Swedish has the same shapes (config/formats/sv)."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
