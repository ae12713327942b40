"""Invariants of the station model, enforced in the model and service layer with messages that name the field."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chargepoints.models import EVSE, Connector, Location
from chargepoints.services import evse_set_status, location_upsert
from tests.factories import connector_data, evse_data, location_data

pytestmark = pytest.mark.django_db


def _error_fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(excinfo.value.message_dict)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"address": "x" * 256}, "address"),
        ({"city": "x" * 46}, "city"),
        ({"postal_code": "12345678901"}, "postal_code"),
        ({"state": "x" * 46}, "state"),
        ({"name": "x" * 256}, "name"),
        ({"ocpi_id": "x" * 37}, "ocpi_id"),
        ({"country_code": "SWE"}, "country_code"),
        ({"party_id": "CPOX"}, "party_id"),
        ({"country": "SE"}, "country"),
        ({"evses": [evse_data(physical_reference="x" * 17)]}, "evses[0].physical_reference"),
        ({"evses": [evse_data(floor_level="12345")]}, "evses[0].floor_level"),
        ({"evses": [evse_data(uid="u" * 37)]}, "evses[0].uid"),
        ({"evses": [evse_data(evse_id="SE*CPO*E" + "1" * 41)]}, "evses[0].evse_id"),
        (
            {"evses": [evse_data(connectors=[connector_data(connector_id="c" * 37)])]},
            "evses[0].connectors[0].connector_id",
        ),
        ({"directions": [{"language": "sv", "text": "x" * 513}]}, "directions"),
    ],
)
def test_string_lengths_are_enforced(overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(**overrides))
    assert field in _error_fields(excinfo)
    assert not Location.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": "90.000001"}, "latitude"),
        ({"latitude": "-91.00000"}, "latitude"),
        ({"longitude": "180.000001"}, "longitude"),
        ({"latitude": "59.8"}, "latitude"),  # fewer than 5 decimals
        ({"longitude": "17,638927"}, "longitude"),
        ({"evses": [evse_data(latitude="59.85856", longitude="")]}, "evses[0].longitude"),
        ({"evses": [evse_data(latitude="95.00000", longitude="17.00000")]}, "evses[0].latitude"),
    ],
)
def test_coordinates_must_be_in_range(overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(**overrides))
    assert field in _error_fields(excinfo)


def test_coordinates_at_the_limits_are_accepted():
    location = location_upsert(data=location_data(latitude="-90.00000", longitude="180.0000000")).location
    assert (location.lat, location.lon) == (-90.0, 180.0)


@pytest.mark.parametrize(
    ("overrides", "field", "value"),
    [
        ({"parking_type": "ROOFTOP"}, "parking_type", "ROOFTOP"),
        ({"facilities": ["CAFE", "SAUNA"]}, "facilities", "SAUNA"),
        ({"evses": [evse_data(status="BROKEN")]}, "evses[0].status", "BROKEN"),
        ({"evses": [evse_data(capabilities=["RFID_READER", "TELEPATHY"])]}, "evses[0].capabilities", "TELEPATHY"),
        ({"evses": [evse_data(parking_restrictions=["VIP"])]}, "evses[0].parking_restrictions", "VIP"),
        ({"evses": [evse_data(connectors=[connector_data(standard="TYPE_9")])]}, "evses[0].connectors[0].standard", ""),
        ({"evses": [evse_data(connectors=[connector_data(format="PLUG")])]}, "evses[0].connectors[0].format", ""),
        ({"evses": [evse_data(connectors=[connector_data(power_type="AC")])]}, "evses[0].connectors[0].power_type", ""),
    ],
)
def test_enumerations_are_enforced(overrides, field, value):
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(**overrides))
    assert field in _error_fields(excinfo)
    assert value in " ".join(excinfo.value.message_dict[field])


def test_time_zone_must_exist():
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(time_zone="Europe/Uppsala"))
    assert "Europe/Uppsala" in excinfo.value.message_dict["time_zone"][0]
    assert location_upsert(data=location_data(time_zone="America/Argentina/Buenos_Aires")).created


def test_connector_values_name_their_field():
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(
            data=location_data(
                evses=[evse_data(connectors=[connector_data(), connector_data(connector_id="2", max_voltage=-1)])]
            )
        )
    assert _error_fields(excinfo) == {"evses[0].connectors[1].max_voltage"}


def test_evse_needs_a_connector():
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(evses=[evse_data(), evse_data(connectors=[])]))
    assert _error_fields(excinfo) == {"evses[1].connectors"}
    assert not EVSE.objects.exists()


def test_connector_ids_are_unique_within_an_evse():
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(evses=[evse_data(connectors=[connector_data(), connector_data()])]))
    assert "evses[0].connectors[1].id" in _error_fields(excinfo)


def test_evse_uid_is_unique_across_the_platform():
    location_upsert(data=location_data(evses=[evse_data(uid="SHARED-1")]))
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(evses=[evse_data(uid="SHARED-1")]))
    assert "never reused" in excinfo.value.message_dict["evses.uid"][0]
    with pytest.raises(ValidationError):
        location_upsert(data=location_data(evses=[evse_data(uid="TWICE"), evse_data(uid="TWICE")]))
    # The database enforces it too, for writes that bypass the service.
    other = Location.objects.exclude(evses__uid="SHARED-1").first() or Location.objects.first()
    assert other is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        EVSE.objects.create(location=other, uid="SHARED-1")


def test_evses_are_never_deleted_but_removed():
    data = location_data(evses=[evse_data(uid="KEEP"), evse_data(uid="GONE")])
    location = location_upsert(data=data).location
    gone = EVSE.objects.get(uid="GONE")
    with pytest.raises(ValidationError):
        gone.delete()
    with pytest.raises(ValidationError):
        EVSE.objects.filter(uid="GONE").delete()
    with pytest.raises(ValidationError):
        location.delete()

    data["evses"] = data["evses"][:1]
    result = location_upsert(data=data)
    assert result.changed
    assert dict(EVSE.objects.values_list("uid", "status")) == {"KEEP": "AVAILABLE", "GONE": "REMOVED"}
    # A removed EVSE's uid still belongs to it: no other location may take it.
    with pytest.raises(ValidationError):
        location_upsert(data=location_data(evses=[evse_data(uid="GONE")]))


def test_unchanged_upsert_leaves_last_updated_alone():
    data = location_data()
    location = location_upsert(data=data).location
    before = Location.objects.get(pk=location.pk).last_updated
    result = location_upsert(data=data)
    assert not result.created
    assert not result.changed
    assert Location.objects.get(pk=location.pk).last_updated == before


def _stamps(location: Location) -> tuple[datetime, datetime, datetime]:
    evse = EVSE.objects.filter(location=location).order_by("id").first()
    connector = Connector.objects.filter(evse=evse).order_by("id").first()
    assert evse is not None
    assert connector is not None
    return Location.objects.get(pk=location.pk).last_updated, evse.last_updated, connector.last_updated


def test_connector_change_bumps_evse_and_location():
    data = location_data(evses=[evse_data(uid="E1")])
    location = location_upsert(data=data).location
    loc_before, evse_before, connector_before = _stamps(location)
    data["evses"][0]["connectors"][0]["max_amperage"] = 16
    assert location_upsert(data=data).changed
    loc_after, evse_after, connector_after = _stamps(location)
    assert connector_after > connector_before
    assert evse_after >= connector_after > evse_before
    assert loc_after >= evse_after > loc_before


def test_removing_a_connector_bumps_evse_and_location():
    data = location_data(evses=[evse_data(connectors=[connector_data(), connector_data(connector_id="2")])])
    location = location_upsert(data=data).location
    _, evse_before, _ = _stamps(location)
    data["evses"][0]["connectors"] = data["evses"][0]["connectors"][:1]
    assert location_upsert(data=data).changed
    loc_after, evse_after, _ = _stamps(location)
    assert Connector.objects.count() == 1
    assert evse_after > evse_before
    assert loc_after >= evse_after


def test_evse_status_change_bumps_location():
    location = location_upsert(data=location_data()).location
    loc_before, _, _ = _stamps(location)
    assert evse_set_status(evse=location.evses.get(), status="CHARGING")
    loc_after, evse_after, _ = _stamps(location)
    assert loc_after == evse_after > loc_before


def test_opening_hours_changes_bump_location():
    closing = {"period_begin": datetime(2026, 12, 24, tzinfo=UTC), "period_end": datetime(2026, 12, 26, tzinfo=UTC)}
    data = location_data(opening_times={"twentyfourseven": True, "exceptional_closings": [closing]})
    location = location_upsert(data=data).location
    assert location.exceptional_periods.count() == 1
    before = Location.objects.get(pk=location.pk).last_updated
    data["opening_times"] = {"twentyfourseven": True}
    assert location_upsert(data=data).changed
    assert not location.exceptional_periods.exists()
    assert Location.objects.get(pk=location.pk).last_updated > before


def test_regular_hours_are_validated():
    hours = [{"weekday": 1, "period_begin": "18:00", "period_end": "08:00"}]
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(opening_times={"twentyfourseven": False, "regular_hours": hours}))
    assert "opening_times.regular_hours[0].period_end" in _error_fields(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        location_upsert(data=location_data(opening_times={"twentyfourseven": False}))
    assert "opening_times.regular_hours" in _error_fields(excinfo)
    assert not Location.objects.exists()
