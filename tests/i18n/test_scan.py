"""The Swedish scan's rules for the admin: names as the admin shows them are found, an object's values are not."""

from __future__ import annotations

from tests.i18n.scan import english_on


def _page(body: str) -> str:
    return f'<html lang="sv"><body>{body}</body></html>'


def test_a_field_name_left_in_english_is_found_as_the_admin_capitalises_it():
    assert english_on(_page("<label>Max voltage:</label>")) == ["Max voltage"]
    assert english_on(_page("<label>Max spänning:</label>")) == []


def test_a_lone_lower_case_name_counts_only_capitalised():
    assert english_on(_page("<th>Invoices</th>")) == ["Invoices"]
    assert english_on(_page("<p>invoices@ems.example</p>")) == []


def test_a_capitalised_swedish_word_that_is_also_english_is_no_finding():
    assert english_on(_page("<th>Total energi</th>")) == []


def test_the_admins_cells_and_read_only_values_are_data():
    remark = "Stopped by the driver"
    assert english_on(_page(f"<p>{remark}</p>")) == [remark]
    assert english_on(_page(f'<td class="field-remark">{remark}</td>')) == []
    assert english_on(_page(f'<div class="readonly">{remark}</div>')) == []
    assert english_on(_page(f'<td class="original"><p>{remark}</p></td>')) == []


def test_a_pages_named_data_is_left_out():
    title = "<title>Invoice run 2026-04-11 | Visa faktureringskörning</title>"
    assert english_on(_page(title)) != []
    assert english_on(_page(title), data=("Invoice run 2026-04-11",)) == []


def test_djangos_own_swedish_is_swedish():
    assert english_on(_page("<p>Håll inne “Control”, eller “Command” på en Mac, för att välja fler än en.</p>")) == []
