"""``manage.py ocpi_price``: a Tariff and a CDR in, the CDR with its costs out."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from .helpers import SPEC_EXAMPLES, spec_json

D = Decimal


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, default=float))
    return path


def run(tariff: Path, cdr: Path, *options: str) -> tuple[dict[str, Any], str]:
    out, err = StringIO(), StringIO()
    call_command("ocpi_price", "--tariff", str(tariff), "--cdr", str(cdr), *options, stdout=out, stderr=err)
    return json.loads(out.getvalue(), parse_float=D), err.getvalue()


def cdr_with(periods: list[dict[str, Any]], start: str, end: str) -> dict[str, Any]:
    cdr: dict[str, Any] = spec_json("cdr_example.json")
    cdr.update(start_date_time=start, end_date_time=end, charging_periods=periods, total_cost={"excl_vat": 0})
    return cdr


def period(start: str, **dimensions: str) -> dict[str, Any]:
    return {"start_date_time": start, "dimensions": [{"type": k, "volume": D(v)} for k, v in dimensions.items()]}


@pytest.fixture
def cdr_example_tariff(tmp_path: Path) -> Path:
    return write(tmp_path / "tariff.json", spec_json("cdr_example.json")["tariffs"][0])


def test_the_spec_cdr_reprices_to_its_own_totals(cdr_example_tariff: Path) -> None:
    priced, _ = run(cdr_example_tariff, SPEC_EXAMPLES / "cdr_example.json")
    original = spec_json("cdr_example.json")
    assert priced["total_cost"] == original["total_cost"] == {"excl_vat": D("4.00"), "incl_vat": D("4.40")}
    assert priced["total_time_cost"] == original["total_time_cost"]
    assert priced["total_energy_cost"] == {"excl_vat": 0, "incl_vat": 0}
    assert priced["tariffs"][0]["id"] == "12"
    assert priced["charging_periods"][0]["tariff_id"] == "12"
    assert (priced["total_energy"], priced["total_time"]) == (D("15.342"), D("1.973"))  # the meter's, untouched
    assert priced["cdr_location"] == original["cdr_location"]


def test_costs_already_in_the_cdr_are_ignored(tmp_path: Path, cdr_example_tariff: Path) -> None:
    cdr = spec_json("cdr_example.json")
    cdr["total_cost"] = {"excl_vat": 0, "incl_vat": 0}
    cdr["total_parking_cost"] = {"excl_vat": 99}
    priced, _ = run(cdr_example_tariff, write(tmp_path / "cdr.json", cdr))
    assert priced["total_cost"] == {"excl_vat": D("4.00"), "incl_vat": D("4.40")}
    assert priced["total_parking_cost"] == {"excl_vat": 0, "incl_vat": 0}


def test_periods_are_placed_on_the_location_wall_clock(tmp_path: Path) -> None:
    """T19 as a CDR: 19:40 in Stockholm is 17:40 UTC, so without the time zone parking would never be free."""
    cdr = cdr_with(
        [
            period("2024-06-03T17:40:00Z", TIME="0.2", ENERGY="2"),
            period("2024-06-03T17:52:00Z", PARKING_TIME="0.3333"),
        ],
        "2024-06-03T17:40:00Z",
        "2024-06-03T18:12:00Z",
    )
    cdr_path = write(tmp_path / "cdr.json", cdr)
    tariff = SPEC_EXAMPLES / "tariff_14_step_size.json"
    local, explanation = run(tariff, cdr_path, "--time-zone", "Europe/Stockholm", "--explain")
    assert local["total_cost"] == {"excl_vat": D("0.73"), "incl_vat": D("0.73")}
    assert "19:52–20:00 parking PARKING_TIME 8 min → 15 min" in explanation
    in_utc, _ = run(tariff, cdr_path)
    assert in_utc["total_cost"]["excl_vat"] == D("0.98")  # 12 min × 2.40/h + 20 → 30 min × 1.00/h


def test_a_tariff_outside_its_validity_is_not_applied(tmp_path: Path) -> None:
    cdr = cdr_with(
        [period("2019-07-01T08:00:00Z", ENERGY="30", TIME="1")], "2019-07-01T08:00:00Z", "2019-07-01T09:00:00Z"
    )
    cdr["currency"] = "EUR"
    out = StringIO()
    with pytest.raises(
        CommandError, match=r"not applied.*valid until 2019-06-30T23:59:59Z.*starts 2019-07-01T08:00:00Z"
    ) as error:
        call_command(
            "ocpi_price",
            "--tariff",
            str(SPEC_EXAMPLES / "tariff_6_025kwh_start_max_price.json"),
            "--cdr",
            str(write(tmp_path / "cdr.json", cdr)),
            stdout=out,
        )
    assert error.value.returncode == 3  # manage.py exits with it
    assert out.getvalue() == ""  # no CDR is printed


@pytest.mark.parametrize(
    ("tariff_change", "cdr_change", "options", "message"),
    [
        (
            lambda t: t["elements"][0]["price_components"][0].update(price=-2),
            None,
            (),
            "tariff: elements[0].price_components[0].price: A price cannot be negative",
        ),
        (lambda t: t.update(currency="XXX"), None, (), "tariff: currency: 'XXX' is not an ISO 4217"),
        (None, lambda c: c.pop("charging_periods"), (), "cdr: charging_periods: This field is required."),
        (
            None,
            lambda c: c["charging_periods"][0]["dimensions"][0].update(type="KWH"),
            (),
            'cdr: charging_periods[0].dimensions[0].type: "KWH" is not a valid choice.',
        ),
        (None, lambda c: c.update(currency="SEK"), (), "cdr: currency: the CDR is in SEK but tariff 12 prices in EUR"),
        (None, None, ("--time-zone", "Europe/Stockhom"), "--time-zone: 'Europe/Stockhom' is not an IANA time zone"),
    ],
)
def test_invalid_input_names_the_field(
    tmp_path: Path, tariff_change: Any, cdr_change: Any, options: tuple[str, ...], message: str
) -> None:
    tariff, cdr = spec_json("cdr_example.json")["tariffs"][0], spec_json("cdr_example.json")
    if tariff_change:
        tariff_change(tariff)
    if cdr_change:
        cdr_change(cdr)
    with pytest.raises(CommandError) as error:
        run(write(tmp_path / "t.json", tariff), write(tmp_path / "c.json", cdr), *options)
    assert message in str(error.value)
    assert error.value.returncode == 1


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(CommandError, match=r"--tariff: .*broken.json is not valid JSON"):
        run(tmp_path / "broken.json", SPEC_EXAMPLES / "cdr_example.json")
    with pytest.raises(CommandError, match=r"--cdr: cannot read .*missing.json"):
        run(SPEC_EXAMPLES / "tariff_1_simple_2hour.json", tmp_path / "missing.json")
