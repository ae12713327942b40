from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from billing.models import Invoice, InvoiceRun
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue


class Command(BaseCommand):
    help = "Run invoicing now (the same run as the schedule's) and, with --issue, issue every draft it leaves."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issue", action="store_true", help="Issue every draft afterwards (numbers them).")

    def handle(self, *args: Any, issue: bool, **options: Any) -> None:
        run = invoice_run(trigger=InvoiceRun.Trigger.COMMAND)
        self.stdout.write(
            f"Invoice run: {run.invoices_created} invoice(s), {run.credit_notes_created} credit note(s), "
            f"{run.lines_created} line(s)."
        )
        if not issue:
            return
        issued = []
        for draft in Invoice.objects.filter(status=Invoice.Status.DRAFT, line_count__gt=0).order_by("pk"):
            try:
                issued.append(invoice_issue(invoice=draft, by=None).number)
            except ValidationError:
                continue  # issued meanwhile by someone else
        self.stdout.write(f"Issued {len(issued)}: {', '.join(str(n) for n in issued) or '-'}")
