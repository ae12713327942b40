from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from chargepoints.portal import PortalSection
from chargepoints.roles import FINANCE

from .schedule import STRANDED_HOLDS_JOB


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")
    portal_sections = (PortalSection(85, _("Ad hoc payments"), "payments:staff_list", "payments.view_adhocpayment"),)
    staff_role_grants = {FINANCE: {"payments": ("view", "change")}}
    periodic_jobs = (STRANDED_HOLDS_JOB,)

    def ready(self) -> None:
        from billing.references import set_invoice_reference_source
        from billing.signals import cdr_issued
        from chargepoints.sessions.tariffs import set_agreed_prices
        from chargepoints.signals import session_changed

        from .receipts import receipt_number_for
        from .receivers import on_cdr_issued, on_session_changed
        from .services import AgreedAdHocPrices

        set_agreed_prices(AgreedAdHocPrices())
        set_invoice_reference_source(receipt_number_for)
        session_changed.connect(on_session_changed, dispatch_uid="payments.session")
        cdr_issued.connect(on_cdr_issued, dispatch_uid="payments.capture")
