"""Staff forms for partner connections."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PartnerRegisterForm(forms.Form):
    """We register with a partner: it gave us its versions URL and a token A out of band."""

    versions_url = forms.URLField(label=_("Their versions URL"), max_length=255, assume_scheme="https")
    token_a = forms.CharField(label=_("Their token A"), max_length=64, strip=True)
    country_code = forms.CharField(label=_("Their country code"), min_length=2, max_length=2)
    party_id = forms.CharField(
        label=_("Their party id"),
        min_length=1,
        max_length=3,
        help_text=_("Granted to them: their roles may name no other."),
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def clean_token_a(self) -> str:
        token = str(self.cleaned_data["token_a"])
        if not all(0x21 <= ord(ch) <= 0x7E for ch in token):
            raise forms.ValidationError(_("Tokens are printable ASCII without spaces."))
        return token


class TokenAForm(forms.Form):
    """A partner will register with us: we give it a token A and our versions URL."""

    country_code = forms.CharField(label=_("Country code"), min_length=2, max_length=2)
    party_id = forms.CharField(label=_("Party id"), min_length=1, max_length=3)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


class PartyGrantForm(forms.Form):
    """Staff let a partner act for one more party."""

    country_code = forms.CharField(label=_("Country code"), min_length=2, max_length=2)
    party_id = forms.CharField(label=_("Party id"), min_length=1, max_length=3)
    reason = forms.CharField(label=_("Reason"), max_length=255, help_text=_("Contract, ticket: why it may act for it."))


class GrantRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
