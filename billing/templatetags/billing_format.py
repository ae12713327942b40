"""Filters for the invoice documents and finance pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..labels import format_money

register = template.Library()


@register.filter
def css_string(value: object) -> SafeString:
    """Text for inside a double-quoted CSS string in a <style> element (where HTML escaping does not apply)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return mark_safe(text)  # noqa: S308 - escaped for the CSS string context above


@register.filter
def money(value: Decimal | None, language: str = "en") -> str:
    return "–" if value is None else format_money(value, language)
