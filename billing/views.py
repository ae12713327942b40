"""Finance pages: invoices, their documents and lifecycle, and receivables. Only the Finance group (and superusers)
hold the invoice permissions these views require; everyone else gets 403 (or the login page when anonymous)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from chargepoints.paging import cursor_args, list_query, staff_page

from .conf import billing_today
from .documents import invoice_csv, invoice_pdf, invoice_period_text
from .forms import CreditForm, InvoiceFilterForm, MarkPaidForm
from .models import Invoice, InvoiceRun, InvoiceStatus
from .selectors import analytics
from .selectors import invoices as selectors
from .services import invoices as services
from .tasks import invoice_run_task, invoice_send_task

PAGE_SIZE = 50
LINES_PAGE_SIZE = 200


class FinanceViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "billing.view_invoice"


class FinanceChangeMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = ("billing.view_invoice", "billing.change_invoice")


def acting_user(request: HttpRequest) -> User:
    """The signed-in staff member a finance action is recorded for (the mixins only let authenticated users in)."""
    return cast(User, request.user)


def _invoice(pk: int) -> Invoice:
    try:
        return selectors.invoice_get(pk=pk)
    except Invoice.DoesNotExist as missing:
        raise Http404("No such invoice.") from missing


def _detail(invoice: Invoice) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("billing:invoice_detail", args=[invoice.pk]))


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    """A service's refusal, as a message on the page the action returns to."""
    messages.error(request, " ".join(error.messages))


class InvoiceListView(FinanceViewMixin, TemplateView):
    template_name = "billing/invoice_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = billing_today()
        form = InvoiceFilterForm(self.request.GET or None)
        filters = selectors.InvoiceFilters()
        if form.is_valid():
            data = form.cleaned_data
            filters = selectors.InvoiceFilters(
                profile_id=data["party"].pk if data["party"] else None,
                month=data["period"],
                status=data["status"],
                kind=data["kind"],
                overdue=data["overdue"],
            )
        page = staff_page(
            selectors.invoice_list(filters=filters, today=today),
            per_page=PAGE_SIZE,
            page=self.request.GET.get("page"),
            **cursor_args(self.request.GET),
        )
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "page": page,
            "rows": [(invoice, invoice.is_overdue(today), invoice_period_text(invoice)) for invoice in page],
            "query": list_query(self.request.GET),
            "drafts": selectors.draft_count(),
            "runs": selectors.recent_runs(),
            "schedule": selectors.invoice_schedule(),
        }


class InvoiceDetailView(FinanceViewMixin, TemplateView):
    template_name = "billing/invoice_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        invoice = _invoice(self.kwargs["pk"])
        today = billing_today()
        lines = Paginator(selectors.invoice_lines(invoice=invoice), LINES_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return {
            **super().get_context_data(**kwargs),
            "invoice": invoice,
            "period": invoice_period_text(invoice),
            "overdue": invoice.is_overdue(today),
            "lines": lines,
            "vat_summary": selectors.invoice_vat_summary(invoice=invoice),
            "events": selectors.invoice_events(invoice=invoice),
            "credit_notes": selectors.invoice_credit_notes(invoice=invoice),
            "credited_since": selectors.invoice_credited_on_draft(invoice=invoice)
            if invoice.status == InvoiceStatus.DRAFT
            else 0,
            "paid_form": MarkPaidForm(initial={"paid_on": today}),
            "credit_form": CreditForm(),
            "can_credit": invoice.kind == Invoice.Kind.INVOICE
            and invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PAID),
        }


class InvoicePdfView(FinanceViewMixin, View):
    """The stored PDF of an issued invoice; a draft gets a preview rendered now (marked as a draft, never stored)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        invoice = _invoice(pk)
        if invoice.status == InvoiceStatus.DRAFT:
            response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="draft-{invoice.pk}.pdf"'
            return response
        if not invoice.pdf:
            messages.info(
                request,
                _("The PDF of %(invoice)s is still being rendered; try again in a moment.") % {"invoice": invoice},
            )
            return _detail(invoice)
        return FileResponse(invoice.pdf.open("rb"), as_attachment=True, filename=f"{invoice.number}.pdf")


class InvoiceCsvView(FinanceViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = _invoice(pk)
        response = HttpResponse(invoice_csv(invoice), content_type="text/csv; charset=utf-8")
        name = invoice.number or f"draft-{invoice.pk}"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response


class InvoiceIssueView(FinanceChangeMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = _invoice(pk)
        try:
            invoice = services.invoice_issue(invoice=invoice, by=acting_user(request))
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Issued %(invoice)s. Its PDF is being rendered.") % {"invoice": invoice})
        return _detail(invoice)


class IssueDraftsView(FinanceChangeMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        issued = []
        for draft in Invoice.objects.filter(status=InvoiceStatus.DRAFT, line_count__gt=0).order_by("pk"):
            try:
                issued.append(services.invoice_issue(invoice=draft, by=acting_user(request)))
            except ValidationError as error:
                show_errors(request, error)
        if issued:
            messages.success(
                request,
                _("Issued %(count)s: %(numbers)s.")
                % {"count": len(issued), "numbers": ", ".join(str(i) for i in issued)},
            )
        return HttpResponseRedirect(reverse("billing:invoice_list"))


class InvoiceSendView(FinanceChangeMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = _invoice(pk)
        if invoice.status == InvoiceStatus.DRAFT:
            messages.error(request, _("Issue the invoice before sending it."))
            return _detail(invoice)
        invoice_send_task.delay_on_commit(invoice.pk, acting_user(request).pk, again=invoice.sent_at is not None)
        messages.info(
            request, _("Sending %(invoice)s to %(email)s.") % {"invoice": invoice, "email": invoice.buyer_email}
        )
        return _detail(invoice)


class InvoicePaidView(FinanceChangeMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = _invoice(pk)
        form = MarkPaidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the payment date."))
            return _detail(invoice)
        try:
            services.invoice_mark_paid(invoice=invoice, by=acting_user(request), paid_on=form.cleaned_data["paid_on"])
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("%(invoice)s marked paid.") % {"invoice": invoice})
        return _detail(invoice)


class InvoiceCreditView(FinanceChangeMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = _invoice(pk)
        form = CreditForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why the invoice is credited."))
            return _detail(invoice)
        try:
            note = services.invoice_credit(invoice=invoice, by=acting_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_errors(request, error)
            return _detail(invoice)
        messages.success(
            request,
            _("Issued credit note %(note)s for %(invoice)s; the CDRs were credited to the partner.")
            % {"note": note, "invoice": invoice},
        )
        return _detail(note)


class RunNowView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = ("billing.view_invoice", "billing.add_invoice")

    def post(self, request: HttpRequest) -> HttpResponse:
        invoice_run_task.delay_on_commit(user_id=acting_user(request).pk, trigger=InvoiceRun.Trigger.MANUAL)
        messages.info(request, _("Invoice run started: new drafts appear below when it has finished."))
        return HttpResponseRedirect(reverse("billing:invoice_list"))


class ReceivablesView(FinanceViewMixin, TemplateView):
    template_name = "billing/receivables.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = billing_today()
        return {
            **super().get_context_data(**kwargs),
            "today": today,
            "rows": selectors.receivables(today=today),
            "unbilled": selectors.unbilled_cdrs_by_party(),
        }


TREND_CHARTS = {"invoiced-per-month": analytics.invoiced_chart, "paid-per-month": analytics.paid_chart}


class TrendsView(FinanceViewMixin, TemplateView):
    template_name = "billing/trends.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = billing_today()
        return {**super().get_context_data(**kwargs), "charts": [build(today=today) for build in TREND_CHARTS.values()]}


class TrendCsvView(FinanceViewMixin, View):
    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        if key not in TREND_CHARTS:
            raise Http404("No such chart.")
        return TREND_CHARTS[key](today=billing_today()).csv_response()
