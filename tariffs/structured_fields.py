"""Form fields for the OCPI structures kept as JSON (images, business details, energy mix, enumerations, display
texts …), so staff edit rows and checkboxes instead of raw JSON: the station editor's (``chargepoints.admin_forms``)
and the tariff editor's. They live in the lowest layer, tariffs, so that both may import them.

The fields only reshape what staff type into the JSON the model stores; whether it is valid OCPI stays the model
validators' business (``chargepoints.validators``, ``tariffs.validators``), so staff see the domain's messages with
the field path. Keys a row does not show (a width that came with an import, say) ride along in a hidden input, so an
edit never drops them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from .enums import EnergySourceCategory, EnvironmentalImpactCategory

# A hostile or broken form cannot make us build more rows than any real station has.
MAX_ROWS = 200
_EXTRA = "_extra"


@dataclass(frozen=True)
class Column:
    """One input per row: ``key`` is the path inside the row's JSON object (``logo.url`` is nested)."""

    key: str
    label: StrOrPromise
    choices: Sequence[tuple[str, StrOrPromise]] = ()
    number: bool = False


def _flatten(item: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The row's values by column key, plus whatever else the object holds under ``_extra``."""
    flat: dict[str, Any] = {}
    rest = json.loads(json.dumps(dict(item)))  # a deep copy we may take apart
    for key in keys:
        *parents, leaf = key.split(".")
        holder: Any = rest
        for parent in parents:
            holder = holder.get(parent) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and leaf in holder:
            flat[key] = holder.pop(leaf)
    for key in keys:  # parents emptied by the columns above carry nothing more
        parent = key.split(".")[0]
        if "." in key and rest.get(parent) == {}:
            del rest[parent]
    if rest:
        flat[_EXTRA] = rest
    return flat


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    for parent in parents:
        target = target.setdefault(parent, {})
    target[leaf] = value


def rows_by_column(value: Any, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Each row's values by column key: from stored JSON (an object, a list of them, or None), or from a submitted
    form shown again because it had errors."""
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, Mapping) else list(value)
    keys = [column.key for column in columns]
    return [_row_values(item, keys) if isinstance(item, Mapping) else {} for item in items]


def _row_values(item: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    if not isinstance(item.get(_EXTRA), str):
        return _flatten(item, keys)  # stored JSON
    row = dict(item)  # submitted: already by column key
    try:
        extra = json.loads(row.pop(_EXTRA) or "null")
    except ValueError:
        extra = None
    if isinstance(extra, dict) and extra:
        row[_EXTRA] = extra
    return row


class RowsWidget(forms.Widget):
    """A table with one row per object and a button that adds one; ``single`` shows exactly one row."""

    template_name = "tariffs/widgets/rows.html"

    class Media:
        js = ("js/admin-rows.js",)
        css = {"all": ("css/admin-structured.css",)}

    def __init__(self, columns: Sequence[Column], *, single: bool = False, attrs: dict[str, Any] | None = None):
        super().__init__(attrs)
        self.columns = tuple(columns)
        self.single = single

    def format_value(self, value: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        return rows_by_column(value, self.columns)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = context["widget"]["value"] or []
        if self.single:
            rows = rows[:1] or [{}]
        elif not rows:
            rows = [{}]  # a first blank row, so a page without script can still add one
        label = context["widget"]["attrs"].get("aria-label") or name
        context["widget"].update(
            columns=self.columns,
            single=self.single,
            total=len(rows),
            rows=[
                self._row(name, str(index), row, _("%(label)s, row %(n)s") % {"label": label, "n": index + 1})
                for index, row in enumerate(rows)
            ],
            template_row=self._row(name, "__row__", {}, _("%(label)s, new row") % {"label": label}),
        )
        return context

    def _row(self, name: str, index: str, values: Mapping[str, Any], label: str) -> dict[str, Any]:
        cells = [
            {
                "column": column,
                "name": f"{name}-{index}-{column.key}",
                "value": "" if values.get(column.key) is None else values[column.key],
                "label": f"{column.label}, {label}",
            }
            for column in self.columns
        ]
        extra = values.get(_EXTRA)
        return {
            "cells": cells,
            "extra_name": f"{name}-{index}-{_EXTRA}",
            "extra": json.dumps(extra) if extra else "",
        }

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, Any]]:
        try:
            total = min(int(data.get(f"{name}-total", 0)), MAX_ROWS)
        except (TypeError, ValueError):
            total = 0
        return [
            {key: data.get(f"{name}-{index}-{key}", "") for key in [*(column.key for column in self.columns), _EXTRA]}
            for index in range(total)
        ]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-total" not in data


class RowsField(forms.Field):
    """A JSON list of objects (or one object, or None, with ``single``) edited as rows; blank rows are dropped."""

    widget = RowsWidget

    def __init__(self, columns: Sequence[Column], *, single: bool = False, **kwargs: Any) -> None:
        self.columns = tuple(columns)
        self.single = single
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", RowsWidget(self.columns, single=single))
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # Each cell is named "<column>, <field>, row <n>" for screen readers (a table of inputs has no <label>s).
        # Kept lazy: the field is built at import, and the label must be read in the language of each request.
        return {"aria-label": self.label} if self.label else {}

    def to_python(self, value: Any) -> Any:
        rows = [self._row(index, raw) for index, raw in enumerate(value or []) if isinstance(raw, Mapping)]
        rows = [row for row in rows if row]
        if self.single:
            return rows[0] if rows else None
        return rows

    def _row(self, index: int, raw: Mapping[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        extra = raw.get(_EXTRA)
        if isinstance(extra, str) and extra:
            try:
                loaded = json.loads(extra)
            except ValueError:
                loaded = None
            if isinstance(loaded, dict):
                row.update(loaded)
        typed = False
        for column in self.columns:
            value = raw.get(column.key)
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                continue
            typed = True
            _put(row, column.key, self._number(value, column, index) if column.number else value)
        return row if typed else {}

    def _number(self, value: Any, column: Column, index: int) -> int | float:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(
                _("Row %(n)s, %(column)s: enter a number.") % {"n": index + 1, "column": column.label}, code="invalid"
            ) from None
        if not number.is_finite():
            raise ValidationError(
                _("Row %(n)s, %(column)s: enter a number.") % {"n": index + 1, "column": column.label}, code="invalid"
            )
        # JSON has no decimals: whole numbers stay integers, the rest are floats as OCPI's "number" allows.
        return int(number) if number == number.to_integral_value() else float(number)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return bool(self.to_python(rows_by_column(initial, self.columns)) != self.to_python(data))
        except ValidationError:
            return True


class ChecklistWidget(forms.CheckboxSelectMultiple):
    class Media:
        css = {"all": ("css/admin-structured.css",)}


class EnumChecklistField(forms.TypedMultipleChoiceField):
    """A JSON list of enumeration values, as checkboxes in the enumeration's order."""

    def __init__(self, choices: Sequence[tuple[str, StrOrPromise]], **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", ChecklistWidget(attrs={"class": "checklist"}))
        super().__init__(choices=choices, **kwargs)


class TextListField(forms.CharField):
    """A JSON list of short strings (tariff ids), typed comma separated."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return [str(item) for item in value]
        return [part.strip() for part in str(value or "").split(",") if part.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial) != self.to_python(data)


_GREEN_CHOICES = (
    ("", gettext_lazy("No energy mix given")),
    ("yes", gettext_lazy("Yes, green energy")),
    ("no", gettext_lazy("No")),
)


# DisplayText (OCPI 2.2.1 types.asciidoc §4.3): a location's directions, a tariff's alternative text.
DISPLAY_TEXT_COLUMNS = (Column("language", gettext_lazy("Language (ISO 639-1)")), Column("text", gettext_lazy("Text")))

# EnergySource and EnvironmentalImpact (OCPI 2.2.1 mod_locations §8.4.8, §8.4.9), the rows of an EnergyMix.
ENERGY_SOURCE_COLUMNS = (
    Column("source", gettext_lazy("Source"), choices=EnergySourceCategory.choices),
    Column("percentage", gettext_lazy("Percent"), number=True),
)
ENVIRONMENTAL_IMPACT_COLUMNS = (
    Column("category", gettext_lazy("Category"), choices=EnvironmentalImpactCategory.choices),
    Column("amount", gettext_lazy("g/kWh"), number=True),
)


class EnergyMixWidget(forms.MultiWidget):
    template_name = "tariffs/widgets/energy_mix.html"

    def __init__(self) -> None:
        super().__init__(
            {
                "green": forms.Select(choices=_GREEN_CHOICES),
                "sources": RowsWidget(ENERGY_SOURCE_COLUMNS, attrs={"aria-label": gettext_lazy("Energy sources")}),
                "impact": RowsWidget(
                    ENVIRONMENTAL_IMPACT_COLUMNS, attrs={"aria-label": gettext_lazy("Environmental impact")}
                ),
                "supplier": forms.TextInput(attrs={"maxlength": 64}),
                "product": forms.TextInput(attrs={"maxlength": 64}),
            }
        )

    def decompress(self, value: Any) -> list[Any]:
        if not isinstance(value, Mapping):
            return ["", [], [], "", ""]
        green = value.get("is_green_energy")
        return [
            "" if green is None else ("yes" if green else "no"),
            value.get("energy_sources") or [],
            value.get("environ_impact") or [],
            value.get("supplier_name") or "",
            value.get("energy_product_name") or "",
        ]


class EnergyMixField(forms.MultiValueField):
    """OCPI EnergyMix (mod_locations §8.4.7), of a Location or a Tariff: green or not, sources and impact as rows,
    supplier and product."""

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.ChoiceField(choices=_GREEN_CHOICES, required=False),
            RowsField(ENERGY_SOURCE_COLUMNS),
            RowsField(ENVIRONMENTAL_IMPACT_COLUMNS),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        kwargs.setdefault("required", False)
        super().__init__(fields, widget=EnergyMixWidget(), require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, Any] | None:
        if not data_list:
            return None
        green, sources, impacts, supplier, product = data_list
        if not (green or sources or impacts or supplier or product):
            return None
        mix: dict[str, Any] = {}
        if green:  # left out when not chosen, so the domain's validator names the missing field
            mix["is_green_energy"] = green == "yes"
        for key, value in (
            ("energy_sources", sources),
            ("environ_impact", impacts),
            ("supplier_name", supplier),
            ("energy_product_name", product),
        ):
            if value:
                mix[key] = value
        return mix
