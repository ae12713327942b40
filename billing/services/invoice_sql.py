"""The raw SQL of an invoice run: the VAT rate of each CDR's tariff version, and the INSERT … SELECT of the lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from chargepoints.enums import TokenType

from ..models import BillingProfile, Cdr, Invoice, InvoiceLine, InvoiceRun


def tariff_vat_rate(snapshot: dict[str, Any] | None) -> Decimal | None:
    """The VAT rate (percent) of a tariff snapshot: the one rate all its price components charge.

    None when no component charges VAT, or when they mix rates: a CDR carries its VAT as one amount, which cannot be
    split by rate afterwards, so such lines are summed in their own group.
    """
    if not snapshot:
        return None
    rates = {
        component.get("vat")
        for element in snapshot.get("elements", [])
        for component in element.get("price_components", [])
    }
    if len(rates) != 1 or None in rates:
        return None
    return Decimal(str(rates.pop()))


def _json_text(column: str, key: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def vat_rate_sql(versions: Iterable[tuple[str, str | None, int]]) -> tuple[str, list[Any]]:
    """A CASE expression giving each CDR (alias ``c``) the VAT rate of its tariff version.

    A tariff version is (tariff id, the snapshot's last_updated); ``versions`` holds each with the id of one CDR
    priced by it, whose snapshot gives the rate. So the big INSERT only reads one short key of each CDR's snapshot.
    """
    samples = {sample: (tariff_id, version) for tariff_id, version, sample in versions}
    snapshots = Cdr.objects.filter(pk__in=samples).values_list("pk", "tariff_snapshot")
    version_sql = _json_text("c.tariff_snapshot", "last_updated")
    branches: list[str] = []
    params: list[Any] = []
    for pk, snapshot in snapshots:
        rate = tariff_vat_rate(snapshot)
        if rate is None:
            continue
        tariff_id, version = samples[pk]
        if version is None:
            branches.append(f"WHEN c.tariff_id = %s AND {version_sql} IS NULL THEN %s")
            params += [tariff_id, rate]
        else:
            branches.append(f"WHEN c.tariff_id = %s AND {version_sql} = %s THEN %s")
            params += [tariff_id, version, rate]
    if not branches:
        return "NULL", []
    return f"CASE {' '.join(branches)} ELSE NULL END", params


# The raw SQL below is built only from model table names, fixed column lists and %s placeholders (S608 checked).
def _table(model: Any) -> str:
    return str(model._meta.db_table)


LINE_COLUMNS = "invoice_id, cdr_id, late, vat_rate, amount_excl_vat, vat_amount, amount_incl_vat"
LINE_AMOUNTS = "c.total_cost_excl_vat, c.total_cost_incl_vat - c.total_cost_excl_vat, c.total_cost_incl_vat"


def _not_billed_sql(column: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM {_table(InvoiceLine)} bl WHERE bl.cdr_id = {column})"  # noqa: S608


def insert_regular_lines(*, run: InvoiceRun, vat_sql: str, vat_params: list[Any]) -> int:
    """One INSERT … SELECT: every unbilled CDR in the window of one of this run's new invoices becomes its line.

    The lines table is consulted only for late CDRs (before the invoice's period), never once per CDR of the period:
    a per-row probe of the table this statement is filling is what a planner with stale statistics turns quadratic.
    """
    sql = f"""
        INSERT INTO {_table(InvoiceLine)} ({LINE_COLUMNS})
        SELECT i.id, c.id, c.end_date_time < i.period_start, {vat_sql}, {LINE_AMOUNTS}
        FROM {_table(Invoice)} i
        JOIN {_table(BillingProfile)} p ON p.id = i.profile_id
        JOIN {_table(Cdr)} c
          ON c.token_country_code = p.country_code AND c.token_party_id = p.party_id AND c.currency = i.currency
         AND c.end_date_time < i.period_end
         AND (c.end_date_time >= i.period_start OR (i.includes_late AND {_not_billed_sql("c.id")}))
        WHERE i.run_id = %s AND i.kind = %s AND c.status = %s AND c.token_type <> %s
          AND (c.credit_of_id IS NULL OR {_not_billed_sql("c.credit_of_id")})
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*vat_params, run.pk, Invoice.Kind.INVOICE, Cdr.Status.ISSUED, TokenType.AD_HOC_USER])
        return int(cursor.rowcount)


def insert_credit_lines(*, target: str, invoice_ids: Sequence[int]) -> int:
    """Lines for unbilled credit CDRs whose original's line is on one of ``invoice_ids``.

    ``target`` "credit_note": onto the credit note (among ``invoice_ids``' credit notes) that references the original's
    invoice; "same": onto the original's own invoice (a draft). The VAT rate is the original line's.
    """
    if not invoice_ids:
        return 0
    marks = ", ".join(["%s"] * len(invoice_ids))
    if target == "credit_note":
        into = "cn.id"
        join = f"JOIN {_table(Invoice)} cn ON cn.credited_invoice_id = ol.invoice_id AND cn.id IN ({marks})"
        where = "1 = 1"
    else:
        into, join, where = "ol.invoice_id", "", f"ol.invoice_id IN ({marks})"
    sql = f"""
        INSERT INTO {_table(InvoiceLine)} ({LINE_COLUMNS})
        SELECT {into}, c.id, %s, ol.vat_rate, {LINE_AMOUNTS}
        FROM {_table(Cdr)} c
        JOIN {_table(InvoiceLine)} ol ON ol.cdr_id = c.credit_of_id
        {join}
        WHERE {where} AND c.status = %s AND c.credit AND {_not_billed_sql("c.id")}
    """  # noqa: S608
    params: list[Any] = [False, *invoice_ids, Cdr.Status.ISSUED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
