"""Which tariff prices a session, and the snapshot of it that the session and its CDR keep.

A session is priced with the tariff in force on its connector when it started, for its whole length (common practice
and often consumer law, though OCPI 2.2.1 mod_tariffs.asciidoc allows a switch). The tariff is copied into the session
at the start as a snapshot, so an edit of the tariff during or after the session never changes what the driver pays. The
snapshot is the tariffs domain's own ``TariffInput`` (an OCPI-shaped tariff with Python types) in JSON-safe form:
Decimals as strings, times, dates and datetimes in ISO 8601. It is turned back into engine input with
``tariffs.services.pricing_tariff``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, cast

from tariffs import pricing
from tariffs.models import Tariff, TariffType
from tariffs.selectors import tariff_get, tariff_list
from tariffs.services import TariffInput, pricing_tariff, tariff_data

from ..models import ChargingSession, Connector

if TYPE_CHECKING:
    from ..authorization import DriverToken

_DECIMALS = frozenset({"price", "vat", "excl_vat", "incl_vat", "min_kwh", "max_kwh", "min_current", "max_current"})
_DECIMALS |= {"min_power", "max_power"}
_TIMES = frozenset({"start_time", "end_time"})
_DATES = frozenset({"start_date", "end_date"})
_DATETIMES = frozenset({"start_date_time", "end_date_time", "last_updated"})


@dataclass(frozen=True)
class FoundTariff:
    tariff: pricing.Tariff
    snapshot: dict[str, Any]


def tariff_snapshot(data: TariffInput) -> dict[str, Any]:
    """``data`` in JSON-safe form."""
    return cast(dict[str, Any], _encode(data))


def tariff_data_from_snapshot(snapshot: dict[str, Any]) -> TariffInput:
    """The snapshot back in the tariffs domain's shape, e.g. for the OCPI layer to serialize a CDR's tariffs."""
    return cast(TariffInput, _decode(snapshot))


def tariff_from_snapshot(snapshot: dict[str, Any]) -> pricing.Tariff:
    return pricing_tariff(data=tariff_data_from_snapshot(snapshot))


def session_tariff(session: ChargingSession) -> pricing.Tariff | None:
    """The tariff that prices ``session``: the one in force on its connector when it started, as it was then."""
    return tariff_from_snapshot(session.tariff_snapshot) if session.tariff_snapshot is not None else None


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _decode(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _decode(item, k) for k, item in value.items()}
    if isinstance(value, list):
        return [_decode(item, key) for item in value]
    if value is None:
        return None
    if key in _DECIMALS:
        return Decimal(value)
    if key in _TIMES:
        return time.fromisoformat(value)
    if key in _DATES:
        return date.fromisoformat(value)
    if key in _DATETIMES:
        return datetime.fromisoformat(value)
    return value


def _found(tariff: Tariff) -> FoundTariff:
    data = tariff_data(tariff=tariff)
    return FoundTariff(tariff=pricing_tariff(data=data), snapshot=tariff_snapshot(data))


def tariff_in_force(*, connector: Connector, at: datetime) -> FoundTariff | None:
    """The tariff that prices a token-started session on ``connector`` starting at ``at``.

    The first of the connector's ``tariff_ids`` that is for every session (no type) or for REGULAR sessions and whose
    validity window holds ``at`` (OCPI 2.2.1 mod_tariffs.asciidoc, Tariff Object). Ad-hoc-payment and charging-profile
    tariffs do not apply to a session started with a driver's token and no charging preference.
    """
    return _first_in_force(connector=connector, at=at, types=("", TariffType.REGULAR))


def ad_hoc_tariff_in_force(*, connector: Connector, at: datetime, or_untyped: bool = True) -> FoundTariff | None:
    """The tariff a driver paying ad hoc (card, phone; no contract) is offered on ``connector`` at ``at``.

    The connector's AD_HOC_PAYMENT tariff in force, else (``or_untyped``) its tariff for every session (no type):
    OCPI 2.2.1 mod_tariffs.asciidoc (TariffType) says a tariff without a type applies to every session.
    """
    typed = _first_in_force(connector=connector, at=at, types=(TariffType.AD_HOC_PAYMENT,))
    return typed or (_first_in_force(connector=connector, at=at, types=("",)) if or_untyped else None)


def _first_in_force(*, connector: Connector, at: datetime, types: tuple[str, ...]) -> FoundTariff | None:
    tariffs = {t.ocpi_id: t for t in tariff_list().filter(ocpi_id__in=connector.tariff_ids)}
    for tariff_id in connector.tariff_ids:
        tariff = tariffs.get(tariff_id)
        if tariff is None or tariff.type not in types:
            continue
        if tariff.start_date_time is not None and at < tariff.start_date_time:
            continue
        if tariff.end_date_time is not None and at > tariff.end_date_time:
            continue
        return _found(tariff)
    return None


def found_from_snapshot(snapshot: dict[str, Any]) -> FoundTariff:
    return FoundTariff(tariff=tariff_from_snapshot(snapshot), snapshot=snapshot)


# --- Prices agreed before the start ----------------------------------------------------------------------------------
# A driver paying ad hoc agrees to a price on a payment page before the charger starts (EU AFIR, Regulation (EU)
# 2023/1804, Article 5: the ad hoc price is shown before the session starts). Whoever took that agreement (the
# payments app) registers an :class:`AgreedPrices` once at start-up; the session start asks it first, so the session
# is priced with the tariff the driver saw, whichever way the start arrives (simulator or a charger's StartTransaction).


class AgreedPrices(Protocol):
    def agreed_tariff(self, *, token: DriverToken, authorization_reference: str | None) -> FoundTariff | None: ...


class NoAgreedPrices:
    def agreed_tariff(self, *, token: DriverToken, authorization_reference: str | None) -> FoundTariff | None:
        return None


_agreed: AgreedPrices = NoAgreedPrices()


def set_agreed_prices(source: AgreedPrices) -> AgreedPrices:
    """Register the source of agreed prices. Returns the previous one, so tests can put it back."""
    global _agreed
    previous, _agreed = _agreed, source
    return previous


def agreed_tariff(*, token: DriverToken, authorization_reference: str | None) -> FoundTariff | None:
    return _agreed.agreed_tariff(token=token, authorization_reference=authorization_reference)


def tariff_by_id(*, tariff_id: str) -> FoundTariff | None:
    """One of our tariffs as it is now, e.g. to reprice a corrected CDR."""
    tariff = tariff_get(ocpi_id=tariff_id)
    return _found(tariff) if tariff is not None else None
