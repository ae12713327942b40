"""Staff pages for OCPI partners: status, roles, version, endpoints, and the connection actions.

The actions call the partner and wait for it to call us back with the new token, so they run outside the request's
transaction (``non_atomic_requests``); the services commit each step themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import grants, services
from .core.status import InterfaceRole, ModuleID
from .forms import GrantRevokeForm, PartnerRegisterForm, PartyGrantForm, TokenAForm
from .models import Partner, PartyGrant
from .push.selectors import partners_with_delivery_counts
from .tasks import tokens_pull_task
from .token_pull import tokens_pull_last


class PartnerViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "ocpi_api.view_partner"


class PartnerChangeMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "ocpi_api.change_partner"


def _token_page(request: HttpRequest, partner: Partner, token: str) -> HttpResponse:
    # Rendered directly, never stored in a message or session: the token is shown exactly once.
    context = {"partner": partner, "token": token, "versions_url": services.our_versions_url()}
    return render(request, "ocpi_api/partner_token.html", context)


class PartnerListView(PartnerViewMixin, TemplateView):
    template_name = "ocpi_api/partner_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("register_form", PartnerRegisterForm())
        context.setdefault("token_form", TokenAForm())
        context["partners"] = partners_with_delivery_counts()
        context["versions_url"] = services.our_versions_url()
        return context


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PartnerRegisterView(PartnerChangeMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = PartnerRegisterForm(request.POST)
        if form.is_valid():
            try:
                partner = services.partner_register(
                    versions_url=form.cleaned_data["versions_url"],
                    token_a=form.cleaned_data["token_a"],
                    name=form.cleaned_data["name"],
                    country_code=form.cleaned_data["country_code"],
                    party_id=form.cleaned_data["party_id"],
                    granted_by=request.user.get_username(),
                )
            except services.HandshakeError as error:
                form.add_error(None, f"OCPI {int(error.status_code)}: {error.message}")
            else:
                messages.success(
                    request,
                    _("Registered with %(partner)s using OCPI %(version)s.")
                    % {"partner": partner, "version": partner.version},
                )
                return HttpResponseRedirect(reverse("partners:detail", args=[partner.pk]))
        view = PartnerListView(request=request, kwargs={})
        return render(request, view.template_name, view.get_context_data(register_form=form), status=400)


class TokenAView(PartnerChangeMixin, View):
    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        if pk is not None:
            existing = get_object_or_404(Partner, pk=pk)
            data = {"country_code": existing.country_code, "party_id": existing.party_id, "name": existing.name}
        else:
            data = request.POST
        form = TokenAForm(data)
        if form.is_valid():
            try:
                partner, token = services.partner_issue_token_a(
                    **form.cleaned_data, granted_by=request.user.get_username()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _token_page(request, partner, token)
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(reverse("partners:detail", args=[pk]) if pk else reverse("partners:list"))


class PartnerDetailView(PartnerViewMixin, TemplateView):
    template_name = "ocpi_api/partner_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        partner = get_object_or_404(Partner, pk=kwargs["pk"])
        context["partner"] = partner
        context["endpoints"] = sorted(partner.endpoints, key=lambda e: (e.get("identifier", ""), e.get("role") or ""))
        context["tokens_sender"] = partner.endpoint_url(ModuleID.TOKENS, InterfaceRole.SENDER)
        context["tokens_pull"] = tokens_pull_last(partner=partner)
        context["grants"] = grants.partner_grants(partner=partner)
        granted = {(g.country_code, g.party_id) for g in context["grants"] if g.is_active}
        context["roles"] = [
            (role, (str(role.get("country_code", "")).upper(), str(role.get("party_id", "")).upper()) in granted)
            for role in partner.roles
        ]
        context["grant_form"] = PartyGrantForm()
        return context


class PartyGrantView(PartnerChangeMixin, View):
    """POST a party to grant the partner, with the reason; audited on the grant (who, when, why)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        partner = get_object_or_404(Partner, pk=pk)
        form = PartyGrantForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            grant = grants.party_grant(partner=partner, **form.cleaned_data, granted_by=request.user.get_username())
        except ValidationError as error:
            messages.error(request, _("Not granted: %(problems)s") % {"problems": "; ".join(error.messages)})
        else:
            messages.success(
                request,
                _("%(party)s granted to %(partner)s.")
                % {"party": f"{grant.country_code}*{grant.party_id}", "partner": partner},
            )
        return HttpResponseRedirect(reverse("partners:detail", args=[pk]))


class GrantRevokeView(PartnerChangeMixin, View):
    def post(self, request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
        grant = get_object_or_404(PartyGrant, pk=grant_pk, partner_id=pk)
        form = GrantRevokeForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("Say why the grant ends.")
            grants.party_grant_revoke(
                grant=grant, reason=form.cleaned_data["reason"], revoked_by=request.user.get_username()
            )
        except ValidationError as error:
            messages.error(request, _("Not revoked: %(problems)s") % {"problems": "; ".join(error.messages)})
        else:
            messages.success(request, _("%(party)s revoked.") % {"party": f"{grant.country_code}*{grant.party_id}"})
        return HttpResponseRedirect(reverse("partners:detail", args=[pk]))


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PartnerActionView(PartnerChangeMixin, View):
    """POST test / rotate / unregister / pull-tokens; the outcome is shown on the partner page."""

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        partner = get_object_or_404(Partner, pk=pk)
        try:
            if action == "test":
                discovery = services.partner_test_connection(partner=partner)
                messages.success(
                    request,
                    _("Connection works: OCPI %(version)s, %(count)s endpoints.")
                    % {"version": discovery.version, "count": len(discovery.endpoints)},
                )
            elif action == "rotate":
                services.partner_rotate_token(partner=partner)
                messages.success(request, _("Tokens rotated in both directions."))
            elif action == "unregister":
                outcome = services.partner_unregister(partner=partner)
                messages.success(request, _("Unregistered. %(outcome)s") % {"outcome": outcome})
            elif action == "pull-tokens":
                # A long list takes a while: the worker pulls, and the page shows the last result when it is done.
                tokens_pull_task.delay_on_commit(partner.pk)
                messages.info(
                    request, _("Token pull started; its result appears under Token pull when it has finished.")
                )
            else:
                raise Http404(action)
        except services.HandshakeError as error:
            messages.error(request, f"OCPI {int(error.status_code)}: {error.message}")
        return HttpResponseRedirect(reverse("partners:detail", args=[pk]))
