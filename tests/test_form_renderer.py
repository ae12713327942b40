"""The form renderer skips empty error lists and renders the others as Django does; it writes Django's input and
label templates out in Python, and its output must be the templates' own, byte for byte."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from config.form_renderer import FormRenderer


class _Form(forms.Form):
    name = forms.CharField()
    size = forms.IntegerField()


def test_empty_error_lists_render_nothing_and_errors_render_as_django_does() -> None:
    valid = _Form(data={"name": "A", "size": "3"})
    assert valid.is_valid()
    assert str(valid["name"].errors) == ""
    assert str(valid.errors) == ""
    invalid = _Form(data={"name": "", "size": "x"})
    assert not invalid.is_valid()
    assert str(invalid["name"].errors) == (
        '<ul class="errorlist" id="id_name_error"><li>This field is required.</li></ul>'
    )
    assert "Enter a whole number." in str(invalid["size"].errors)
    assert invalid["size"].errors.as_text() == "* Enter a whole number."
    assert 'aria-invalid="true"' in str(invalid["size"])


VALUES: list[Any] = [None, "", "plain", "a<b & \"c\" 'd'", mark_safe("<b>safe</b>"), 0, 12.5, Decimal("3.50"), (1, 2)]
ATTRS: list[dict[str, Any]] = [
    {},
    {"required": True, "disabled": False, "maxlength": 64, "step": Decimal("0.01")},
    {"class": 'x" onmouseover="y', "data-n": 0, "aria-label": gettext_lazy("Percent"), "placeholder": None},
]
WIDGETS: list[forms.Widget] = [
    forms.TextInput(),
    forms.NumberInput(),
    forms.HiddenInput(),
    forms.DateInput(),
    forms.TimeInput(),
    forms.EmailInput(),
    forms.URLInput(),
    forms.PasswordInput(render_value=True),
    forms.CheckboxInput(),
    forms.FileInput(),
]


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda widget: type(widget).__name__)
def test_inputs_render_as_their_templates_do(widget: forms.Widget) -> None:
    for value in VALUES:
        for attrs in ATTRS:
            context = widget.get_context("field-0-name", value, attrs)
            expected = DjangoTemplates().render(widget.template_name, context)
            assert FormRenderer().render(widget.template_name, context) == expected, (value, attrs)


@pytest.mark.parametrize("label", ['Price <excl. "VAT">', mark_safe("<i>Safe</i>"), gettext_lazy("Lazy"), None])
def test_labels_render_as_their_template_does(label: Any) -> None:
    for attrs in [*ATTRS, None]:
        for tag in ("label", "legend"):
            for use_tag in (True, False):
                context = {"label": label, "attrs": attrs, "use_tag": use_tag, "tag": tag}
                expected = DjangoTemplates().render("django/forms/label.html", context)
                assert FormRenderer().render("django/forms/label.html", context) == expected, context


def test_a_form_renders_as_with_djangos_renderer() -> None:
    class Sample(forms.Form):
        name = forms.CharField(max_length=10, help_text="Up to <10>", initial='a "b"')
        amount = forms.DecimalField(required=False)
        day = forms.DateField()
        agree = forms.BooleanField(required=False, initial=True)
        kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B <")])

    for form in (Sample(), Sample(data={"name": "x<y", "amount": "", "day": "not a day", "kind": "b"})):
        assert form.render(renderer=FormRenderer()) == form.render(renderer=DjangoTemplates())
