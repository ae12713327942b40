"""Staff pages for CDRs: the list (with the review queue), a CDR with its price lines, and the quality-gate and
correction actions, which call billing.services.cdrs. Reading needs billing.view_cdr, acting billing.change_cdr: both
"CPO operations" (the review queue is theirs) and "Finance" hold them (chargepoints.roles)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from chargepoints.paging import cursor_args, list_query, staff_page
from chargepoints.sessions.selectors import period_rows

from .deliveries import cdr_delivery_states
from .documents import cdrs_csv_rows
from .forms import CdrApproveForm, CdrFilterForm, CdrReasonForm, CdrReissueForm
from .models import Cdr
from .selectors import cdrs as selectors
from .services import cdrs as services
from .views import acting_user, show_errors

PAGE_SIZE = 50


class CdrViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "billing.view_cdr"


class CdrChangeMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = ("billing.view_cdr", "billing.change_cdr")


def _cdr(pk: int) -> Cdr:
    try:
        return selectors.cdr_get(pk=pk)
    except Cdr.DoesNotExist as missing:
        raise Http404("No such CDR.") from missing


def _detail(cdr: Cdr) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("billing:cdr_detail", args=[cdr.pk]))


def _filtered(request: HttpRequest) -> tuple[CdrFilterForm, selectors.CdrFilters]:
    """The list's filter form and what it filters; invalid input filters nothing (the form shows why)."""
    form = CdrFilterForm(request.GET or None, parties=selectors.cdr_token_parties())
    if not form.is_valid():
        return form, selectors.CdrFilters()
    data = form.cleaned_data
    country_code, _star, party_id = data["party"].partition("*")
    return form, selectors.CdrFilters(
        status=data["status"], token_country_code=country_code, token_party_id=party_id, month=data["period"]
    )


class CdrListView(CdrViewMixin, TemplateView):
    template_name = "billing/cdr_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form, filters = _filtered(self.request)
        page = staff_page(
            selectors.cdr_search(filters=filters),
            per_page=PAGE_SIZE,
            page=self.request.GET.get("page"),
            **cursor_args(self.request.GET),
        )
        return {
            **super().get_context_data(**kwargs),
            "section": "cdrs",
            "form": form,
            "page": page,
            "query": list_query(self.request.GET),
            "in_review": selectors.cdr_review_count(),
        }


class CdrCsvView(CdrViewMixin, View):
    """The CDRs the list shows with the same filters, all of them, as CSV for a spreadsheet or an accounting import."""

    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        _form, filters = _filtered(request)
        cdrs = selectors.cdr_search(filters=filters).iterator(chunk_size=2000)
        response = StreamingHttpResponse(cdrs_csv_rows(cdrs), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cdrs-{timezone.now():%Y%m%d-%H%M}.csv"'
        return response


def _stored_totals(cdr: Cdr) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """The CDR's own cost fields (what was sent), by category."""
    return [
        (label, getattr(cdr, f"total_{name}_excl_vat"), getattr(cdr, f"total_{name}_incl_vat"))
        for label, name in (
            (_("Fixed (start fees)"), "fixed_cost"),
            (_("Energy"), "energy_cost"),
            (_("Charging time"), "time_cost"),
            (_("Parking"), "parking_cost"),
            (_("Reservation"), "reservation_cost"),
        )
    ]


class CdrDetailView(CdrViewMixin, TemplateView):
    template_name = "billing/cdr_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        cdr = _cdr(self.kwargs["pk"])
        corrections = selectors.cdr_corrections(cdr=cdr)
        issued_uncredited = cdr.status == Cdr.Status.ISSUED and corrections.credit is None
        return {
            **super().get_context_data(**kwargs),
            "section": "cdrs",
            "cdr": cdr,
            "corrections": corrections,
            "periods": period_rows(periods=cdr.period_facts(), session_only=False),
            "breakdown": selectors.cdr_price_breakdown(cdr=cdr),
            "stored_totals": _stored_totals(cdr),
            "deliveries": cdr_delivery_states(cdr),
            # Which actions to offer; the services check the same rules again.
            "can_decide": cdr.status == Cdr.Status.REVIEW,
            "can_credit": issued_uncredited and not cdr.credit,
            "can_reissue": not cdr.credit and cdr.status != Cdr.Status.REVIEW and not corrections.replaced_by,
            "reissue_credits_first": issued_uncredited,
            "approve_form": CdrApproveForm(),
            "reason_form": CdrReasonForm(),
            "reissue_form": CdrReissueForm(),
        }


class CdrApproveView(CdrChangeMixin, View):
    """Release a CDR held for review: it is issued as it is."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cdr = _cdr(pk)
        form = CdrApproveForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            cdr = services.cdr_release(cdr=cdr, by=acting_user(request), note=note)
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("CDR %(cdr)s approved and issued.") % {"cdr": cdr})
        return _detail(cdr)


class CdrVoidView(CdrChangeMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cdr = _cdr(pk)
        form = CdrReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why the CDR is voided."))
            return _detail(cdr)
        try:
            cdr = services.cdr_void(cdr=cdr, by=acting_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("CDR %(cdr)s voided: it will never be sent.") % {"cdr": cdr})
        return _detail(cdr)


class CdrCreditView(CdrChangeMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cdr = _cdr(pk)
        form = CdrReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why the CDR is credited."))
            return _detail(cdr)
        try:
            credit = services.cdr_credit(cdr=cdr, by=acting_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_errors(request, error)
            return _detail(cdr)
        messages.success(
            request, _("Issued credit CDR %(credit)s, cancelling %(cdr)s.") % {"credit": credit, "cdr": cdr}
        )
        return _detail(credit)


class CdrReissueView(CdrChangeMixin, View):
    """A corrected CDR in place of this one (an issued one is credited first, see ``cdr_correct``)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cdr = _cdr(pk)
        form = CdrReissueForm(request.POST)
        if not form.is_valid():
            problems = [
                f"{form.fields[name].label}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
            ]
            messages.error(request, "; ".join(problems))
            return _detail(cdr)
        data = form.cleaned_data
        try:
            correction = services.cdr_correct(
                cdr=cdr,
                by=acting_user(request),
                reason=data["reason"],
                tariff_id=data["tariff_id"].strip() or None,
                total_energy=data["total_energy"],
            )
        except ValidationError as error:
            show_errors(request, error)
            return _detail(cdr)
        credit, new = correction.credit, correction.replacement
        held = new.status == Cdr.Status.REVIEW
        values = {"cdr": cdr, "credit": credit, "new": new}
        if credit and held:
            text = _(
                "Corrected %(cdr)s: credited it with %(credit)s and made %(new)s in its place; it is held for review."
            )
        elif credit:
            text = _("Corrected %(cdr)s: credited it with %(credit)s and made %(new)s in its place; it is issued.")
        elif held:
            text = _("Corrected %(cdr)s: made %(new)s in its place; it is held for review.")
        else:
            text = _("Corrected %(cdr)s: made %(new)s in its place; it is issued.")
        messages.success(request, text % values)
        return _detail(new)
