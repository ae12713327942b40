"""Swedish as our staff read it: ISO 8601 dates everywhere (Django's own "sv" long date is "4 december 2026"), a
24-hour clock, a decimal comma and a (non-breaking) space between thousands. What is not set here is Django's "sv"."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
