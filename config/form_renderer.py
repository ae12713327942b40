"""The form renderer: Django's, minus the template render of every empty error list, and with Django's plainest widget
templates (an ``<input>``, a ``<label>``) written out in Python.

On an admin page with nested inlines (the tariff editor: a tariff, its elements, their price components, and an empty
form of each for "Add another"), a few hundred widgets and labels are rendered, each a template with one or two
included ones: most of the page's server time. The renderer's engine looks in Django's form templates before any
app's (``EngineMixin.engine``: its DIRS), so these templates cannot be overridden and their output is known exactly;
tests/test_form_renderer.py compares the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

# Django renders ``{{ field.errors }}`` through these templates even when there is no error: on an admin page with
# nested inlines (the tariff editor), that is a render for every field, about a fifth of the page's form rendering.
_ERROR_TEMPLATES = frozenset(
    {
        "django/forms/errors/list/default.html",
        "django/forms/errors/list/ul.html",
        "django/forms/errors/list/text.txt",
        "django/forms/errors/dict/default.html",
        "django/forms/errors/dict/ul.html",
        "django/forms/errors/dict/text.txt",
    }
)
# Each of these is exactly ``{% include "django/forms/widgets/input.html" %}``.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)
_LABEL_TEMPLATE = "django/forms/label.html"


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name in _ERROR_TEMPLATES and not context.get("errors"):
            return ""  # what the templates themselves render for no errors
        if template_name in _INPUT_TEMPLATES:
            return _input(context["widget"])
        if template_name == _LABEL_TEMPLATE:
            return _label(context)
        return super().render(template_name, context, request=request)


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``, escaped unless ``value`` is safe."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 (the filter's own formatting, errors included)
    except (ValueError, TypeError):
        return ""
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308 (it was safe)


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """django/forms/widgets/attrs.html and django/forms/attrs.html."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{_text(value)}"')
        for name, value in (attrs or {}).items()
        if value is not False
    )


def _input(widget: Mapping[str, Any]) -> SafeString:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    shown = f' value="{_text(value)}"' if value != None else ""  # noqa: E711 (the template's comparison)
    return mark_safe(  # noqa: S308 (every part escaped above)
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _label(context: Mapping[str, Any]) -> SafeString:
    """django/forms/label.html."""
    label = conditional_escape(str(context["label"]))
    if not context.get("use_tag"):
        return mark_safe(label)  # noqa: S308 (escaped)
    tag = conditional_escape(context["tag"])
    return mark_safe(f"<{tag}{_attrs(context.get('attrs'))}>{label}</{tag}>")  # noqa: S308 (escaped)
