"""What the staff pages show about chargers, in a constant number of queries per page."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Charger, ChargerEvse, ChargerFault, ConnectionAttempt, OcppMessage


def charger_list() -> QuerySet[Charger]:
    return Charger.objects.annotate(fault_count=Count("faults", distinct=True)).prefetch_related(
        Prefetch("connectors", queryset=ChargerEvse.objects.select_related("evse__location"))
    )


def charger_faults(charger: Charger, limit: int = 10) -> list[ChargerFault]:
    return list(charger.faults.all()[:limit])


def connection_attempts() -> QuerySet[ConnectionAttempt]:
    return ConnectionAttempt.objects.exclude(charge_point_id__in=Charger.objects.values("charge_point_id"))


def charger_messages(charger: Charger, search: str = "") -> QuerySet[OcppMessage]:
    messages = charger.messages.all()
    if search:
        messages = messages.filter(
            Q(action__icontains=search)
            | Q(unique_id=search)
            | Q(error_code__icontains=search)
            | Q(frame__icontains=search)
        )
    return messages
