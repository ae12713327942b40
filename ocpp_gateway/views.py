"""Staff pages for chargers: the list, one charger with its message log, and its commands. Thin: services decide."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from chargepoints.paging import cursor_args, staff_page

from . import selectors
from .commands import charger_call
from .forms import COMMAND_FORMS, ChargerAddForm, command_kwargs
from .management.commands.ocpp_charger_add import charger_url
from .models import Charger
from .services import charger_add

PAGE_SIZE = 50


class ChargerViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "ocpp_gateway.view_charger"


class ChargerListView(ChargerViewMixin, TemplateView):
    template_name = "ocpp_gateway/charger_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "chargers": selectors.charger_list(),
            "attempts": selectors.connection_attempts(),
            "form": kwargs.get("form") or ChargerAddForm(),
        }


class ChargerAddView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Register a charger, or adopt one that wants to connect; its password is shown once."""

    permission_required = "ocpp_gateway.add_charger"

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ChargerAddForm(request.POST)
        if form.is_valid():
            try:
                charger, password = charger_add(
                    charge_point_id=form.cleaned_data["charge_point_id"], evse_refs=form.evse_refs()
                )
            except ValidationError as error:
                form.add_error(None, "; ".join(error.messages))
            else:
                context = {"charger": charger, "password": password, "url": charger_url(charger.charge_point_id)}
                return render(request, "ocpp_gateway/charger_added.html", context)
        view = ChargerListView()
        view.setup(request)
        return render(request, ChargerListView.template_name, view.get_context_data(form=form), status=400)


class ChargerDetailView(ChargerViewMixin, TemplateView):
    template_name = "ocpp_gateway/charger_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        charger = get_object_or_404(selectors.charger_list(), pk=kwargs["pk"])
        search = self.request.GET.get("q", "").strip()
        page = staff_page(
            selectors.charger_messages(charger, search),
            per_page=PAGE_SIZE,
            page=self.request.GET.get("page"),
            **cursor_args(self.request.GET),
        )
        return {
            **super().get_context_data(**kwargs),
            "charger": charger,
            "url": charger_url(charger.charge_point_id),
            "faults": selectors.charger_faults(charger),
            "page": page,
            "search": search,
            "query": urlencode({"q": search}) if search else "",
            "command_forms": [(action, form(prefix=action)) for action, form in COMMAND_FORMS.items()],
        }


class ChargerCommandView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "ocpp_gateway.change_charger"

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        charger = get_object_or_404(Charger, pk=pk)
        form_class = COMMAND_FORMS.get(action)
        if form_class is None:
            messages.error(request, _("%(action)s is not a command staff can send.") % {"action": action})
        elif not (form := form_class(request.POST, prefix=action)).is_valid():
            messages.error(request, f"{action}: {form.errors.as_text()}")
        else:
            answer = charger_call(charger=charger, action=action, kwargs=command_kwargs(action, form.cleaned_data))
            level = messages.success if answer.outcome == "answered" else messages.error
            detail = answer.payload if action == "GetConfiguration" and answer.outcome == "answered" else None
            level(request, f"{action}: {answer.summary()}" if detail is None else f"{action}: {_configuration(detail)}")
        return HttpResponseRedirect(reverse("chargers:detail", args=[pk]))


def _configuration(payload: dict[str, Any]) -> str:
    keys = payload.get("configuration_key") or []
    shown = ", ".join(f"{item.get('key')}={item.get('value', '')}" for item in keys[:30])
    unknown = payload.get("unknown_key") or []
    return (shown or _("no keys")) + (_("; unknown: %(keys)s") % {"keys": ", ".join(unknown)} if unknown else "")
