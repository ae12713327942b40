"""What the tariffs domain announces. Receivers do infrastructure only (OCPI pushes an update to partners)."""

from django.dispatch import Signal

# Sent inside the transaction that changed the tariff, with ``tariff`` (a tariffs.models.Tariff), after its elements
# and components are written.
tariff_changed = Signal()
