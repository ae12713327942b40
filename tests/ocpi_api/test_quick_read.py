"""The quick reader of a serializer accepts only what the serializer accepts, and reads it to the same values.

Every field of the specification's Location examples is replaced in turn by values of each wrong (and some right)
JSON type, and removed; the quick reader must then raise whenever DRF does, and agree with DRF when it does not.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from ocpi_api.core.quick_read import plain, quick_reader
from ocpi_api.modules.locations.serializers import ConnectorSerializer, EvseSerializer, LocationSerializer

EXAMPLES = Path(__file__).resolve().parents[2] / "ocpi_api" / "spec_examples" / "2.2.1"
# (Location example, example of a part of it put into a copy of it)
DOCUMENTS = [
    ("location_example.json", None),
    ("location_example_parking_garage_opening_hours.json", None),
    ("location_example.json", "location_hours_opening_hours_with_exceptional_closing.json"),
    ("location_example.json", "location_energymix_example_complete.json"),
    ("location_example_uc4_limited_visibility.json", None),
]
VALUES: list[Any] = [
    None,
    "",
    "x",
    "a\nb",
    "Straße",
    "\ud800",
    "x" * 300,
    "AVAILABLE",
    "2024-05-01T10:00:00Z",
    "52.5200080",
    0,
    -1,
    7,
    10**7,
    1.5,
    True,
    [],
    ["x"],
    {},
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from _paths(item, (*path, index))


def _variants(document: dict[str, Any]) -> Iterator[Any]:
    yield document
    for path in _paths(document):
        for value in [*VALUES, _DELETE]:
            variant = copy.deepcopy(document)
            parent = variant
            for step in path[:-1]:
                parent = parent[step]
            if value is _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield variant


_DELETE = object()


def _read(read: Any, data: Any) -> tuple[bool, Any]:
    try:
        return True, read(data)
    except (serializers.ValidationError, DjangoValidationError):
        return False, None
    except Exception as error:
        return False, type(error)


def _agree(serializer: serializers.Serializer[Any], documents: list[Any]) -> int:
    quick = quick_reader(serializer)
    accepted = 0
    for data in documents:
        drf_ok, drf_value = _read(lambda d: plain(serializer.run_validation(d)), data)
        quick_ok, quick_value = _read(quick, data)
        assert quick_ok == drf_ok, f"quick: {quick_ok}, DRF: {drf_ok} for {json.dumps(data)[:300]}"
        assert quick_value == drf_value
        accepted += quick_ok
    return accepted


def _example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


@pytest.mark.parametrize(("name", "part"), DOCUMENTS)
def test_quick_location_reader_rejects_what_drf_rejects_and_reads_the_rest_alike(name, part):
    document = _example(name)
    if part is not None:
        value = _example(part)
        document.update(value if "energy_mix" in value else {"opening_times": value})
    variants = list(_variants(document))
    accepted = _agree(LocationSerializer(), variants)
    assert 0 < accepted < len(variants)  # both sides of the line were tried


def test_quick_evse_and_connector_readers_agree_with_drf():
    evse = _example("location_example.json")["evses"][0]
    assert _agree(EvseSerializer(), list(_variants(evse))) > 1
    assert _agree(ConnectorSerializer(), list(_variants(evse["connectors"][0]))) > 1


def test_the_quick_path_is_taken_for_valid_input(monkeypatch):
    """Valid input never reaches the serializer's run_validation (else the quick reader would be no quicker)."""
    serializer = LocationSerializer()
    document = _example("location_example.json")
    expected = plain(serializer.run_validation(document))

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("DRF's run_validation was called")

    monkeypatch.setattr(serializers.Serializer, "run_validation", refuse)
    monkeypatch.setattr(serializers.ListSerializer, "run_validation", refuse)
    assert quick_reader(serializer)(document) == expected
