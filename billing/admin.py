"""Staff views of CDRs: read-only records, plus the review queue's decisions and corrections as admin actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from .models import BillingProfile, Cdr, CdrInReview, Invoice, InvoiceEvent, InvoiceNumberCounter, InvoiceRun
from .services import cdrs, invoices

Record = TypeVar("Record", bound=Model)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the admin only lets authenticated staff in


class ServiceWrittenAdmin(admin.ModelAdmin[Record]):
    """For records only billing's services write: every field reads only, and nothing is added or deleted here.
    The change permission stays for the list's actions, which call the services; the change form is for reading."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, widget=forms.TextInput(attrs={"size": 80}))


def _issued(count: int) -> str:
    return ngettext("%(count)s CDR issued.", "%(count)s CDRs issued.", count)


def _voided(count: int) -> str:
    return ngettext("%(count)s CDR voided.", "%(count)s CDRs voided.", count)


def _credited(count: int) -> str:
    return ngettext("%(count)s CDR credited.", "%(count)s CDRs credited.", count)


class CdrAdminBase(ServiceWrittenAdmin[Cdr]):
    """Every field is read-only: a CDR is changed only by the services behind the actions."""

    search_fields = ("ocpi_id", "token_uid", "token_contract_id", "session__ocpi_id", "location_id", "evse_id")
    list_select_related = ("session",)
    date_hierarchy = "start_date_time"
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=_("eMSP"), ordering="token_party_id")
    def token_party(self, obj: Cdr) -> str:
        return f"{obj.token_country_code}*{obj.token_party_id}"

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Cdr],
        done_text: Callable[[int], str],
        apply: Callable[[Cdr], object],
    ) -> None:
        """Apply to each CDR; ``done_text`` words the count of those it succeeded on (a plural per language)."""
        done = 0
        for cdr in queryset:
            try:
                apply(cdr)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{cdr}: {'; '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(request, done_text(done) % {"count": done}, messages.SUCCESS)

    def _with_reason(
        self, request: HttpRequest, queryset: QuerySet[Cdr], action: str, intro: StrOrPromise, submit: StrOrPromise
    ) -> tuple[str | None, HttpResponse | None]:
        """Ask for a reason on an intermediate page; returns it once the page was submitted."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            return form.cleaned_data["reason"], None
        context = {
            **self.admin_site.each_context(request),
            "title": submit,
            "intro": intro,
            "queryset": queryset,
            "action": action,
            "form": form,
            "submit_label": submit,
            "opts": self.model._meta,
        }
        return None, TemplateResponse(request, "billing/cdr_action_reason.html", context)

    @admin.action(description=_("Release: issue the selected held CDRs as they are"), permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[Cdr]) -> None:
        self._each(request, queryset, _issued, lambda cdr: cdrs.cdr_release(cdr=cdr, by=_user(request)))

    @admin.action(description=_("Void: never send the selected held CDRs"), permissions=["change"])
    def void(self, request: HttpRequest, queryset: QuerySet[Cdr]) -> HttpResponse | None:
        reason, page = self._with_reason(
            request, queryset, "void", _("These held CDRs will never be sent. Why?"), _("Void CDRs")
        )
        if reason is not None:
            self._each(request, queryset, _voided, lambda cdr: cdrs.cdr_void(cdr=cdr, by=_user(request), reason=reason))
        return page

    @admin.action(description=_("Credit: cancel the selected issued CDRs with credit CDRs"), permissions=["change"])
    def credit_cdrs(self, request: HttpRequest, queryset: QuerySet[Cdr]) -> HttpResponse | None:
        reason, page = self._with_reason(
            request,
            queryset,
            "credit_cdrs",
            _("A credit CDR with negated amounts will be issued and sent for each. Why?"),
            _("Issue credit CDRs"),
        )
        if reason is not None:
            self._each(
                request, queryset, _credited, lambda cdr: cdrs.cdr_credit(cdr=cdr, by=_user(request), reason=reason)
            )
        return page


@admin.register(Cdr)
class CdrAdmin(CdrAdminBase):
    list_display = (
        "ocpi_id",
        "status",
        "start_date_time",
        "token_party",
        "evse_id",
        "total_energy",
        "total_cost_incl_vat",
        "currency",
        "credit",
    )
    list_filter = ("status", "credit", "currency", "token_party_id")
    actions = ("release", "void", "credit_cdrs")


@admin.register(CdrInReview)
class CdrReviewAdmin(CdrAdminBase):
    list_display = ("ocpi_id", "created", "token_party", "evse_id", "total_energy", "total_cost_incl_vat", "reasons")
    list_filter = ("currency", "token_party_id")
    actions = ("release", "void")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cdr]:
        return super().get_queryset(request).filter(status=Cdr.Status.REVIEW)

    @admin.display(description=_("Held because"))
    def reasons(self, obj: Cdr) -> str:
        return "; ".join(obj.review_reasons)


# --- Invoices -----------------------------------------------------------------------------------------------------
# Billing profiles are edited here by finance. Invoices are made by invoice runs and changed only through the
# services (the finance pages at /finance/); the admin shows them read-only and can issue drafts in bulk.


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin[BillingProfile]):
    list_display = ("legal_name", "party", "billing_email", "period", "payment_terms_days", "language", "active")
    list_filter = ("active", "period", "language")
    search_fields = ("legal_name", "party_id", "vat_number", "billing_email")
    readonly_fields = ("billed_through", "created")
    fieldsets = (
        (_("eMSP party (as on its tokens)"), {"fields": ("country_code", "party_id", "active")}),
        (
            _("Legal details"),
            {"fields": ("legal_name", "street", "postal_code", "city", "country", "vat_number", "registration_number")},
        ),
        (
            _("Invoicing"),
            {
                "fields": (
                    "billing_email",
                    "their_reference",
                    "period",
                    "payment_terms_days",
                    "language",
                    "billed_through",
                    "created",
                )
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # invoices keep referring to it; deactivate it instead

    @admin.display(description=_("Party"), ordering="party_id")
    def party(self, profile: BillingProfile) -> str:
        return profile.party


class InvoiceEventInline(admin.TabularInline[InvoiceEvent, Invoice]):
    model = InvoiceEvent
    fields = ("at", "action", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ServiceWrittenAdmin[Invoice]):
    list_display = ("__str__", "kind", "profile", "period_start", "currency", "total_incl_vat", "status", "due_date")
    list_filter = ("status", "kind", "currency", "profile")
    search_fields = ("number", "payment_reference", "buyer_name", "profile__party_id")
    list_select_related = ("profile",)
    date_hierarchy = "period_start"
    inlines = (InvoiceEventInline,)
    actions = ("issue",)

    @admin.action(description=_("Issue the selected drafts"), permissions=["change"])
    def issue(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        done = 0
        for invoice in queryset.filter(status=Invoice.Status.DRAFT).order_by("pk"):
            try:
                invoices.invoice_issue(invoice=invoice, by=_user(request))
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{invoice}: {'; '.join(error.messages)}", messages.ERROR)
        text = ngettext("%(count)s invoice issued.", "%(count)s invoices issued.", done) % {"count": done}
        self.message_user(request, text, messages.SUCCESS if done else messages.WARNING)


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ServiceWrittenAdmin[InvoiceRun]):
    list_display = ("started_at", "trigger", "started_by", "status", "invoices_created", "credit_notes_created")
    list_filter = ("status", "trigger")


@admin.register(InvoiceNumberCounter)
class InvoiceNumberCounterAdmin(ServiceWrittenAdmin[InvoiceNumberCounter]):
    """Read-only: a number is taken only by issuing an invoice, so the series stays gapless."""

    list_display = ("series", "year", "last_number")
