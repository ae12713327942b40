"""Announcements of billing. The OCPI layer subscribes to push CDRs to the eMSP that owns the token."""

from django.dispatch import Signal

# kwargs: cdr (billing.models.Cdr, status ISSUED, already saved). Sent inside the transaction that issued it, once
# per CDR: for a CDR that passed the quality gate, a CDR released from review, a credit CDR and a reissued one.
# CDRs held for review or voided are never announced.
cdr_issued = Signal()
