"""Announcements of the station domain. Listeners (OCPI push pipeline, billing) subscribe; the domain never knows them.

Services send these inside their database transaction, after the change is saved, so that a receiver can write its own
rows (an outbox entry, a CDR) atomically with the change. Receivers do infrastructure only: business rules stay in the
services.
"""

from django.dispatch import Signal

# kwargs: evse (EVSE, already saved), old_status (str), status (str).
evse_status_changed = Signal()

# kwargs: evse (EVSE with its new status and last_updated, not yet written), old_status (str), status (str), writes
# (a ``write_batch.WriteBatch``). Sent by evse_set_status in its transaction before its writes go to the database,
# for receivers whose own writes join the change's one round trip (they add them to ``writes``; what must read the
# written state goes into ``writes.after``). Then evse_status_changed follows, once everything is written.
evse_status_writing = Signal()

# kwargs: location (Location, already saved); optionally evse (EVSE) or evse and connector (Connector) when only that
# object changed, and changed_fields (frozenset[str] of that object's model fields) when they are known. Without
# changed_fields, consider the whole object (with everything below it) changed. Not sent for EVSE status changes
# made through evse_set_status: those have evse_status_changed.
location_changed = Signal()

# kwargs: location_ids (list[int] of Location pks). Sent once by a bulk import, after its batches committed, for
# every location it created or changed, instead of one location_changed per location: a receiver that mirrors the
# catalogue sends them as a whole (a catalogue resend) rather than one by one.
locations_imported = Signal()

# kwargs: location_ids (list[int] of Location pks). Sent by a bulk import inside each batch's transaction, after the
# batch's rows are written, for every location the batch created or changed: for receivers whose own rows must
# commit with the change (``locations_imported`` comes only after the last batch, in a transaction of its own).
locations_written = Signal()

# kwargs: session (ChargingSession, already saved), created (bool), changed_fields (frozenset[str]).
# ``changed_fields`` names model fields of ChargingSession, plus "charging_periods" when a period was added or a
# still-open period grew. A receiver that mirrors the session elsewhere sends a full copy when ``created`` and only
# the named parts otherwise.
session_changed = Signal()
