"""Staff pages of a partner's deliveries: queue depth, oldest waiting change, failures with the partner's answer,
the history of one object, and the retry, replay and full-resend actions. Views stay thin: selectors and services
do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ocpi_api.models import Partner

from . import selectors, services
from .models import CatalogueResend, OutboxItem

Status = OutboxItem.Status
LIST_SIZE = 50
HISTORY_SIZE = 200


class ViewDeliveries(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "ocpi_push.view_outboxitem"


class ChangeDeliveries(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "ocpi_push.change_outboxitem"


class DeliveriesView(ViewDeliveries, TemplateView):
    template_name = "ocpi_push/deliveries.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        partner = get_object_or_404(Partner, pk=kwargs["pk"])
        items = selectors.outbox_list(partner=partner)
        context.update(
            partner=partner,
            summary=selectors.queue_summary(partner=partner, now=timezone.now()),
            failures=items.filter(status__in=[Status.FAILED, Status.DEAD])[:LIST_SIZE],
            waiting=items.filter(status=Status.PENDING).order_by("id")[:LIST_SIZE],
            recent=items.filter(status=Status.DELIVERED).order_by("-finished_at", "-id")[:LIST_SIZE],
            resend=selectors.latest_resend(partner=partner),
        )
        return context


class ObjectHistoryView(ViewDeliveries, TemplateView):
    template_name = "ocpi_push/object_history.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        partner = get_object_or_404(Partner, pk=kwargs["pk"])
        key = self.request.GET.get("key", "").strip()
        context.update(
            partner=partner,
            key=key,
            rows=selectors.object_history(partner=partner, object_key=key, limit=HISTORY_SIZE) if key else [],
        )
        return context


class ResendProgressView(ViewDeliveries, TemplateView):
    """The progress card alone, polled by htmx while a resend runs."""

    template_name = "ocpi_push/_resend.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["resend"] = get_object_or_404(CatalogueResend, pk=kwargs["job"], partner_id=kwargs["pk"])
        context["partner"] = context["resend"].partner
        return context


def _back(pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("ocpi_push:deliveries", args=[pk]))


class RetryView(ChangeDeliveries, View):
    def post(self, request: HttpRequest, pk: int, item: int) -> HttpResponse:
        row = get_object_or_404(OutboxItem, pk=item, partner_id=pk)
        queued = services.push_retry(item=row)
        call = f"{row.method} {row.path or row.url}"
        if queued.pk == row.pk:
            messages.success(request, _("Retrying %(call)s.") % {"call": call})
        else:
            messages.success(request, _("Replaying as row %(row)s: %(call)s.") % {"row": queued.pk, "call": call})
        return HttpResponseRedirect(request.POST.get("next") or reverse("ocpi_push:deliveries", args=[pk]))


class RetryAllView(ChangeDeliveries, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        count = services.push_retry_partner(partner=get_object_or_404(Partner, pk=pk))
        messages.success(request, _("%(count)s deliveries queued again.") % {"count": count})
        return _back(pk)


class ResendCatalogueView(ChangeDeliveries, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        partner = get_object_or_404(Partner, pk=pk)
        services.push_resend_catalogue_start(partner=partner, requested_by=request.user.get_username())
        messages.success(
            request, _("Sending every tariff and roaming location to %(partner)s again.") % {"partner": partner}
        )
        return _back(pk)
