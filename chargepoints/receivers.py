"""Guards that keep the catalogue consistent with the apps it depends on."""

from typing import Any

from django.db.models import ProtectedError

from tariffs.models import Tariff

from .models import Connector


def protect_tariffs_in_use(sender: type[Tariff], instance: Tariff, **kwargs: Any) -> None:
    """OCPI: a tariff is only deleted once no connector lists it any more, or partners would price against nothing."""
    in_use = Connector.objects.filter(tariff_ids__icontains=f'"{instance.ocpi_id}"').select_related("evse")
    if in_use.exists():
        evses = ", ".join(sorted({str(c.evse) for c in in_use[:5]}))
        raise ProtectedError(
            f"Tariff {instance.ocpi_id} is still listed by {in_use.count()} connector(s), e.g. on {evses}; "
            "remove it from them first.",
            set(in_use[:5]),
        )
