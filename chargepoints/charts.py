"""A chart's data, as every staff chart draws it: one selector builds a ``Chart``, and the page, its table for screen
readers and its CSV export all read that one object, so the three can never disagree.

Values stay ``Decimal`` (money, kWh, %) up to the edges: the CSV writes them exactly, the page hands Chart.js numbers.
The page side is ``templates/_chart.html`` (canvas, table, CSV link) and ``static/js/charts.js``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.text import slugify


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[Decimal | None, ...]  # one per label of the chart; None: nothing to show there
    kind: Literal["bar", "line"] = "bar"
    axis: Literal["y", "y2"] = "y"  # y2: a second scale on the right, for a quantity in another unit
    stack: str = ""  # series sharing a stack are drawn on top of each other


@dataclass(frozen=True)
class Chart:
    key: str  # the element id on the page and the CSV file name
    title: str
    summary: str  # what the chart shows, read out by screen readers in place of the picture
    x_label: str
    y_label: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    y2_label: str = ""
    y2_integer: bool = False  # the y2 scale counts things: no ticks between whole numbers
    percent: bool = False  # the y scale runs 0–100 %
    horizontal: bool = False  # bars along the x axis: for long labels such as station names

    @property
    def is_empty(self) -> bool:
        return not self.labels or all(value is None for series in self.series for value in series.values)

    def rows(self) -> list[tuple[str, list[Decimal | None]]]:
        """The table form: one row per label, one column per series."""
        return [(label, [series.values[index] for series in self.series]) for index, label in enumerate(self.labels)]

    def chart_js_data(self) -> dict[str, Any]:
        """What ``static/js/charts.js`` hands Chart.js; the browser tests compare the drawn chart with it."""
        return {
            "title": self.title,
            "xLabel": self.x_label,
            "yLabel": self.y_label,
            "y2Label": self.y2_label,
            "y2Integer": self.y2_integer,
            "percent": self.percent,
            "horizontal": self.horizontal,
            "labels": list(self.labels),
            "datasets": [
                {
                    "label": series.label,
                    "type": series.kind,
                    "yAxisID": series.axis,
                    "stack": series.stack or series.label,
                    "data": [None if value is None else float(value) for value in series.values],
                }
                for series in self.series
            ],
        }

    def csv_response(self) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slugify(self.key)}.csv"'
        response.write(self.csv_text())
        return response

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([self.x_label, *(series.label for series in self.series)])
        for label, values in self.rows():
            writer.writerow([label, *("" if value is None else str(value) for value in values)])
        return out.getvalue()


def percent(part: float, whole: float) -> Decimal | None:
    """part/whole as a percentage with one decimal; None when there is no whole to speak of."""
    if whole <= 0:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(Decimal("0.1"))
