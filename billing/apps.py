from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from chargepoints.portal import PortalSection
from chargepoints.roles import FINANCE, OPERATIONS

from .schedule import INVOICE_RUN_JOB


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")
    periodic_jobs = (INVOICE_RUN_JOB,)
    portal_sections = (
        PortalSection(70, _("CDRs"), "billing:cdr_list", "billing.view_cdr"),
        PortalSection(80, _("Invoices"), "billing:invoice_list", "billing.view_invoice"),
    )
    staff_role_grants = {
        # The CDR review queue is operations work; invoices stay with finance.
        OPERATIONS: {"billing.cdr": ("view", "change")},
        FINANCE: {"billing": ("view", "add", "change")},
    }

    def ready(self) -> None:
        from chargepoints.signals import session_changed

        from .receivers import create_cdr_when_session_completes

        session_changed.connect(create_cdr_when_session_completes, dispatch_uid="billing.create_cdr")
