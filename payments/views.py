"""The driver's pages (no login: /pay/…), the provider's webhook, and the finance list. Thin: services decide."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from chargepoints.models import EVSE
from tariffs.models import Tariff, TariffType

from . import selectors, services
from .catalogue import evse_disable_ad_hoc, evse_enable_ad_hoc
from .forms import DemoPayForm, EvseAdHocForm, PayForm, RefundForm
from .gateways import get_gateway
from .gateways.base import BrowserConfirmedGateway, PaymentGateway, WebhookSignatureError
from .models import AdHocPayment, PaymentState, Receipt
from .offers import ad_hoc_offer
from .receipts import receipt_pdf, receipt_resend


def _evse(evse_id: str) -> EVSE:
    evse = EVSE.objects.select_related("location").prefetch_related("connectors").filter(evse_id=evse_id).first()
    if evse is None:
        raise Http404(_("No such charger."))
    return evse


def _payment(reference: str) -> AdHocPayment:
    return get_object_or_404(AdHocPayment.objects.select_related("evse__location", "session"), reference=reference)


def _page_language() -> str:
    """The language of the page the driver pays on, kept on the payment for their receipt e-mail."""
    return translation.get_language() or settings.LANGUAGE_CODE


# Views that call the card provider run outside the request's transaction (ATOMIC_REQUESTS): the services make
# their own short transactions around each provider call, and their after-commit steps run when those commit.
non_atomic = method_decorator(transaction.non_atomic_requests, name="dispatch")


@non_atomic
class PayView(View):
    """/pay/{evse_id}: the price in words, the hold, and the card form: ours for the demo gateway (the card is
    posted here), Stripe.js for Stripe (the page posts the agreement here for a hold to confirm in the browser)."""

    def get(self, request: HttpRequest, evse_id: str) -> HttpResponse:
        gateway = get_gateway()
        return self._page(request, _evse(evse_id), gateway, self._form(gateway))

    def post(self, request: HttpRequest, evse_id: str) -> HttpResponse:
        evse, gateway = _evse(evse_id), get_gateway()
        form = self._form(gateway, request.POST)
        if isinstance(gateway, BrowserConfirmedGateway):
            return self._prepare(evse, form)
        if not form.is_valid():
            return self._page(request, evse, gateway, form, status=400)
        try:
            payment = services.payment_begin(
                evse=evse,
                payment_method=form.cleaned_data["card_number"],
                email=form.cleaned_data["email"],
                language=_page_language(),
            )
        except ValidationError as error:
            form.add_error(None, "; ".join(error.messages))
            return self._page(request, evse, gateway, form, status=409)
        return HttpResponseRedirect(reverse("payments:status", args=[payment.reference]))

    @staticmethod
    def _form(gateway: PaymentGateway, data: Any = None) -> PayForm:
        return PayForm(data) if isinstance(gateway, BrowserConfirmedGateway) else DemoPayForm(data)

    @staticmethod
    def _prepare(evse: EVSE, form: PayForm) -> JsonResponse:
        """The page's script asks for the hold to confirm with the card: its client secret, and where to say done."""
        if not form.is_valid():
            errors = [f"{form[name].label}: {' '.join(map(str, found))}" for name, found in form.errors.items()]
            return JsonResponse({"error": " ".join(errors)}, status=400)
        try:
            payment, client_secret = services.payment_prepare(
                evse=evse,
                email=form.cleaned_data["email"],
                language=_page_language(),
            )
        except ValidationError as error:
            return JsonResponse({"error": "; ".join(error.messages)}, status=409)
        confirm_url = reverse("payments:confirm", args=[payment.reference])
        return JsonResponse({"client_secret": client_secret, "confirm_url": confirm_url})

    def _page(
        self, request: HttpRequest, evse: EVSE, gateway: PaymentGateway, form: PayForm, status: int = 200
    ) -> HttpResponse:
        offer = ad_hoc_offer(evse=evse, at=timezone.now())
        browser = gateway if isinstance(gateway, BrowserConfirmedGateway) else None
        context = {"evse": evse, "offer": offer, "form": form, "demo": gateway.demo, "stripe": browser}
        response = render(request, "payments/pay.html", context, status=status)
        if browser is not None:
            response["Content-Security-Policy"] = browser.content_security_policy()
        return response


@non_atomic
class ConfirmView(View):
    """The page's script: the card confirmed the hold. The service asks the provider before anything starts."""

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        payment = _payment(reference)
        try:
            services.payment_confirm_hold(payment=payment)
        except ValidationError:  # the provider's status stays off the driver's page: it is in the payment's events
            messages.error(request, _("The card payment did not go through; nothing was taken. Try again."))
            return HttpResponseRedirect(reverse("payments:pay", args=[payment.evse.evse_id]))
        return HttpResponseRedirect(reverse("payments:status", args=[reference]))


class StatusView(View):
    """The driver's payment: held and charging (running cost, stop), ended (receipt), or why it failed."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        payment = _payment(reference)
        receipt = Receipt.objects.filter(payment=payment).first()
        context = {
            "payment": payment,
            "session": payment.session,
            "receipt": receipt,
            "demo": payment.gateway == "demo",
        }
        return render(request, "payments/status.html", context)


@non_atomic
class StopView(View):
    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        services.payment_stop_session(payment=_payment(reference), reason="driver")
        return HttpResponseRedirect(reverse("payments:status", args=[reference]))


class ReceiptView(View):
    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        receipt = get_object_or_404(
            Receipt.objects.select_related("payment", "cdr__session__location"), payment__reference=reference
        )
        if request.GET.get("format") == "pdf":
            response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
            return response
        zone = receipt.cdr.session.location.time_zone
        return render(request, "payments/receipt.html", {"receipt": receipt, "payment": receipt.payment, "zone": zone})


@non_atomic
@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    """The provider's notifications. A bad signature is 400 and changes nothing; a replay is 200 and changes
    nothing."""

    def post(self, request: HttpRequest, gateway: str) -> HttpResponse:
        try:
            event = get_gateway(gateway).parse_webhook(body=request.body, headers=request.headers)
        except ValueError as error:
            raise Http404(str(error)) from error
        except WebhookSignatureError:
            return HttpResponseBadRequest("Bad signature.")
        if event is not None:
            services.payment_provider_event(event=event)
        return HttpResponse("ok")


class StickerView(LoginRequiredMixin, View):
    """A printable sticker for the charger: the QR code to its payment page and its EVSE id (segno, SVG)."""

    def get(self, request: HttpRequest, evse_id: str) -> HttpResponse:
        evse = _evse(evse_id)
        url = request.build_absolute_uri(reverse("payments:pay", args=[evse.evse_id]))
        qr = segno.make(url, error="m").svg_inline(scale=8, dark="#0f172a")
        return render(request, "payments/sticker.html", {"evse": evse, "url": url, "qr": qr})


class FinanceMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "payments.view_adhocpayment"


class StaffListView(FinanceMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "")
        context: dict[str, Any] = {
            "payments": selectors.payment_list(state=state if state in PaymentState.values else ""),
            "states": PaymentState.choices,
            "state": state,
            "days": selectors.daily_totals(),
            "zone": settings.BILLING_TIME_ZONE,
            "afir": selectors.afir_warnings(),
            "lapsing": selectors.holds_near_expiry(),
            "refund_form": RefundForm(),
        }
        return render(request, "payments/staff_list.html", context)


@non_atomic
class RefundView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = ("payments.view_adhocpayment", "payments.change_adhocpayment")

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        payment = _payment(reference)
        form = RefundForm(request.POST)
        if form.is_valid():
            try:
                assert isinstance(request.user, User)
                services.payment_refund(
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    by=request.user,
                    idempotency_key=form.cleaned_data["key"],
                )
                messages.success(
                    request,
                    _("Refunded %(amount)s %(currency)s on %(payment)s.")
                    % {"amount": form.cleaned_data["amount"], "currency": payment.currency, "payment": payment},
                )
            except ValidationError as error:
                messages.error(request, "; ".join(error.messages))
        else:
            messages.error(request, _("Enter the amount to refund."))
        return HttpResponseRedirect(reverse("payments:staff_list"))


class EvseAdHocView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """An EVSE's ad hoc payment: its AD_HOC_PAYMENT tariff and card terminal (through ``catalogue.evse_enable_ad_hoc``),
    with what AFIR says of them right beside."""

    permission_required = "chargepoints.change_evse"

    def get(self, request: HttpRequest, evse_id: str) -> HttpResponse:
        evse = _evse(evse_id)
        state = selectors.evse_ad_hoc(evse=evse)
        form = EvseAdHocForm(
            initial={"tariff_id": state.tariff_id, "terminal": state.terminal}, tariff_ids=_ad_hoc_tariff_ids()
        )
        return self._page(request, evse, form)

    def post(self, request: HttpRequest, evse_id: str) -> HttpResponse:
        evse = _evse(evse_id)
        form = EvseAdHocForm(request.POST, tariff_ids=_ad_hoc_tariff_ids())
        if not form.is_valid():
            return self._page(request, evse, form, status=400)
        try:
            evse_enable_ad_hoc(
                evse=evse, tariff_id=form.cleaned_data["tariff_id"], terminal=form.cleaned_data["terminal"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self._page(request, evse, form, status=400)
        messages.success(
            request,
            _("%(evse)s takes ad hoc payment at %(tariff)s.")
            % {"evse": evse.evse_id, "tariff": form.cleaned_data["tariff_id"]},
        )
        return HttpResponseRedirect(reverse("payments:evse_ad_hoc", args=[evse.evse_id]))

    def _page(self, request: HttpRequest, evse: EVSE, form: EvseAdHocForm, status: int = 200) -> HttpResponse:
        context = {"evse": evse, "form": form, "state": selectors.evse_ad_hoc(evse=evse)}
        return render(request, "payments/evse_ad_hoc.html", context, status=status)


class EvseAdHocOffView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Take an EVSE off ad hoc payment (``catalogue.evse_disable_ad_hoc``); the page's button asks first."""

    permission_required = "chargepoints.change_evse"

    def post(self, request: HttpRequest, evse_id: str) -> HttpResponse:
        evse = evse_disable_ad_hoc(evse=_evse(evse_id))
        messages.success(request, _("%(evse)s no longer takes ad hoc payment.") % {"evse": evse.evse_id})
        return HttpResponseRedirect(reverse("payments:evse_ad_hoc", args=[evse.evse_id]))


def _ad_hoc_tariff_ids() -> list[str]:
    return list(
        Tariff.objects.filter(type=TariffType.AD_HOC_PAYMENT).order_by("ocpi_id").values_list("ocpi_id", flat=True)
    )


@non_atomic
class RetryCaptureView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = ("payments.view_adhocpayment", "payments.change_adhocpayment")

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        try:
            payment = services.payment_retry_capture(payment=_payment(reference))
            messages.success(request, f"Captured {payment.captured_amount} {payment.currency} on {payment}.")
        except ValidationError as error:
            messages.error(request, f"The capture of {reference} failed again: {'; '.join(error.messages)}")
        return HttpResponseRedirect(reverse("payments:staff_list"))


@non_atomic
class ResendReceiptView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = ("payments.view_adhocpayment", "payments.change_adhocpayment")

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        receipt = get_object_or_404(Receipt.objects.select_related("payment"), payment__reference=reference)
        try:
            if receipt_resend(receipt=receipt):
                messages.success(request, f"Receipt {receipt} is sent to {receipt.payment.email}.")
            else:
                messages.error(request, f"Receipt {receipt} could not be sent; try again later.")
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        return HttpResponseRedirect(reverse("payments:staff_list"))
