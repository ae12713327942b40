"""Unsaved, validated EVSE and connector rows: the one rule set that ``location_upsert`` and bulk imports share.

Each helper validates exactly as a model save would (the model validators), and names the failing field by its
path in the location document, e.g. ``evses[1].connectors[0].max_voltage``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models

from .enums import EvseStatus
from .models import Connector
from .quick_clean import quick_clean

if TYPE_CHECKING:
    from .services import ConnectorInput, EvseInput

# A data set's PLANNED or REMOVED describes the EVSE's life, not its occupancy, and stands until a later import.
LIFECYCLE_STATUSES = frozenset({EvseStatus.PLANNED, EvseStatus.REMOVED})
_STATUSES = frozenset(EvseStatus.values)  # Choices.values builds a new list at every call


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """The model validation error with the path of the nested object, e.g. ``evses[1].connectors[0].``."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {f"{prefix}{field}": [m for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
        )
    return ValidationError([f"{prefix}{message}" for message in error.messages])


def validate_row(instance: models.Model, prefix: str, exclude: Iterable[str] = ()) -> None:
    """Run the model's field validators; raises ``ValidationError`` with field names under ``prefix``.

    ``quick_clean`` passes a valid row for less; a row it finds fault with is validated again by ``full_clean``,
    whose errors name every failing field."""
    try:
        quick_clean(instance, exclude)
        return
    except ValidationError:
        pass
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise _prefixed(error, prefix) from error


def evse_status_to_write(evse_data: EvseInput, current: str | None, *, imported: bool, prefix: str) -> str | None:
    """The status an upsert sets (None: keep the current one). ``current`` is None for a new EVSE.

    A caller that owns the station (staff, an OCPI-speaking charger network) is taken at its word. A data set's
    status is not live: an EVSE it brings starts UNKNOWN and keeps whatever a live source reported since, except
    for PLANNED and REMOVED, which the data set may set and lift.
    """
    reported = evse_data.get("status")
    if reported is not None and reported not in _STATUSES:
        raise ValidationError({f"{prefix}status": f"'{reported}' is not an EVSE status."})
    if not imported:
        return reported
    if reported in LIFECYCLE_STATUSES:
        return reported
    return EvseStatus.UNKNOWN if current is None or current in LIFECYCLE_STATUSES else None


def check_connector_ids(connectors: Sequence[ConnectorInput], prefix: str) -> None:
    seen: set[str] = set()
    for index, connector_data in enumerate(connectors):
        connector_id = connector_data.get("connector_id", "")
        if connector_id in seen:
            message = f"Connector id {connector_id} appears twice in this EVSE."
            raise ValidationError({f"{prefix}connectors[{index}].id": message})
        seen.add(connector_id)


def connector_values(connector_data: ConnectorInput) -> dict[str, Any]:
    return {"max_electric_power": None, "tariff_ids": [], "terms_and_conditions": "", **connector_data}


def validate_connector(connector: Connector, prefix: str, index: int) -> None:
    validate_row(connector, f"{prefix}connectors[{index}].", exclude=["evse", "rated_power_w"])


def new_connector_rows(connectors: Sequence[ConnectorInput], prefix: str) -> list[Connector]:
    """Unsaved, validated connectors of one EVSE (no ``evse`` yet), with their rated power computed."""
    check_connector_ids(connectors, prefix)
    new = []
    for index, connector_data in enumerate(connectors):
        # evse_id given (None until the EVSE is saved): ForeignKey.get_default is slow, and this runs per row.
        connector = Connector(evse_id=None, **connector_values(connector_data))  # type: ignore[misc]
        validate_connector(connector, prefix, index)
        connector.rated_power_w = connector.compute_rated_power_w()
        new.append(connector)
    return new
