"""Filters for the invoice documents and finance pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from ..formats import format_money
from ..models import InvoiceStatus

register = template.Library()


@register.filter
def css_string(value: object) -> SafeString:
    """Text for inside a double-quoted CSS string in a <style> element (where HTML escaping does not apply)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return mark_safe(text)  # noqa: S308 - escaped for the CSS string context above


@register.filter
def status_label(value: str) -> str:
    """An invoice status code ("ISSUED") as staff read it in the active language; "–" for none."""
    return str(InvoiceStatus(value).label) if value else "–"


@register.filter
def money(value: Decimal | str | None, language: str | None = None) -> str:
    """Two decimals in ``language``'s separators, the active language's by default (documents pass their own)."""
    if value is None or value == "":
        return "–"
    return format_money(Decimal(str(value)), language or translation.get_language() or "en")
