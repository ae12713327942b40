"""The form renderer: Django's, minus the template render of every empty error list."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest

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


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name in _ERROR_TEMPLATES and not context.get("errors"):
            return ""  # what the templates themselves render for no errors
        return super().render(template_name, context, request=request)
