"""The form renderer skips empty error lists and renders the others as Django does."""

from __future__ import annotations

from django import forms


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
