"""What the push pipeline announces, for the OCPI modules that need the partner's answer.

``push_delivered`` is sent inside the transaction that marks an outbox row DELIVERED, with ``item`` (the
``OutboxItem``: ``module``, ``object_key``, ``response_headers``, ``response_data``). A CDR module stores the
``Location`` header of its POST from here, atomically with the delivery record. Filter on ``item.module``.
"""

from django.dispatch import Signal

push_delivered = Signal()
