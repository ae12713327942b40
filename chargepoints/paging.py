"""Pages of the staff and finance lists that cost the same at page 1 and page 4,000.

``Paginator`` runs ``ORDER BY … LIMIT 50 OFFSET 199950`` on the list's own query: the database builds every skipped
row, joins and per-row subqueries included, only to throw it away, so time grows with the page number. Here a page is
found by its primary keys first, on the bare ordering (an index scan of the ordering's index), and only those rows are
then read with their joins and annotations, in the same query (``pk IN (SELECT pk … LIMIT … OFFSET …)``):

- Previous / Next carry the first or last row's sort key (keyset pagination): ``WHERE key > last ORDER BY key LIMIT``,
  no offset at all.
- A page number alone counts from whichever end is nearer, so the last page costs what the first does.
- The count stays exact up to ``STAFF_LIST_EXACT_COUNT`` rows; above, on PostgreSQL, it is the planner's estimate and
  pages show "about N": an exact count reads every row's index entry, 200,000 of them on every page of a year's
  sessions. Page numbers in the back half then count back from the last row by the estimate, so they are as close to
  their place as the estimate is (Previous / Next, by sort key, are exact); the last page holds the oldest rows.

A page costs two queries (the count and the page), as with ``Paginator``; three when the count is estimated.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import Field, Model, Q, QuerySet
from django.http import QueryDict

ModelT = TypeVar("ModelT", bound=Model)


def _order_fields(queryset: QuerySet[Any]) -> tuple[list[str], bool] | None:
    """The ordering's own columns and whether it is descending, when keyset paging can follow it: every column local
    (no relation), all in one direction, the last one unique. None otherwise (pages then go by offset)."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    if not ordering or not all(isinstance(term, str) for term in ordering):
        return None
    descending = {term.startswith("-") for term in ordering}
    names = [term.removeprefix("-") for term in ordering]
    if len(descending) != 1 or any("__" in name for name in names):
        return None
    try:
        fields = [queryset.model._meta.get_field("id" if name == "pk" else name) for name in names]
    except FieldDoesNotExist:
        return None
    if any(field.is_relation or field.null for field in fields) or not fields[-1].unique:
        return None
    return [field.attname for field in fields], descending.pop()


def _after_q(names: Sequence[str], values: Sequence[Any], *, descending: bool) -> Q:
    """Rows after ``values`` in the order of ``names``: (a, b) > (x, y) as a >= x AND (a > x OR a = x AND b > y), the
    first term letting the database walk the ordering's index from ``x``."""
    beyond, reach = ("lt", "lte") if descending else ("gt", "gte")
    alternatives = [
        Q(
            **{name: value for name, value in zip(names[:n], values[:n], strict=True)},
            **{f"{names[n]}__{beyond}": values[n]},
        )
        for n in range(len(names))
    ]
    return Q(**{f"{names[0]}__{reach}": values[0]}) & reduce(or_, alternatives)


def _encode(values: Sequence[Any]) -> str:
    plain = [value.isoformat() if isinstance(value, date | datetime) else str(value) for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(model: type[Model], names: Sequence[str], cursor: str) -> list[Any] | None:
    """The sort key in ``cursor``, or None when it is not one of this list's keys (an old or edited link)."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(names):
            return None
        fields = [model._meta.get_field(name) for name in names]
        return [field.to_python(value) for field, value in zip(fields, plain, strict=True) if isinstance(field, Field)]
    except (ValueError, TypeError, binascii.Error, ValidationError, UnicodeDecodeError):
        return None


def _estimate(queryset: QuerySet[Any]) -> int:
    """The PostgreSQL planner's row estimate for ``queryset``: no rows are read."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class StaffPage(Generic[ModelT]):
    """One page of a list, with the parts of ``django.core.paginator.Page`` the templates use (``page.paginator``
    is the page itself, for ``count`` and ``num_pages``), and the cursors for Previous and Next."""

    def __init__(
        self,
        rows: list[ModelT],
        *,
        number: int,
        per_page: int,
        count: int,
        estimate: bool,
        keys: tuple[list[str], bool] | None,
        at_end: bool = False,
    ) -> None:
        self.object_list = rows
        self.number = number
        self.per_page = per_page
        self.count = count
        self.count_is_estimate = estimate
        self.num_pages = max(1, math.ceil(count / per_page), number if estimate else 1)
        self._at_end = at_end  # read back from the last row: nothing comes after this page
        self.paginator = self
        self._keys = keys

    def __iter__(self) -> Iterator[ModelT]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index: int) -> ModelT:
        return self.object_list[index]

    def has_next(self) -> bool:
        if self.count_is_estimate:
            return len(self.object_list) == self.per_page and not self._at_end
        return self.number < self.num_pages and bool(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    def _cursor(self, row: ModelT) -> str:
        assert self._keys is not None
        return _encode([getattr(row, name) for name in self._keys[0]])

    @property
    def next_cursor(self) -> str:
        """``after`` for the Next link: the last row's sort key."""
        return self._cursor(self.object_list[-1]) if self._keys and self.has_next() else ""

    @property
    def previous_cursor(self) -> str:
        """``before`` for the Previous link: the first row's sort key."""
        return self._cursor(self.object_list[0]) if self._keys and self.has_previous() else ""


def _page_number(value: Any, num_pages: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), num_pages)


def staff_page(
    queryset: QuerySet[ModelT], *, per_page: int, page: Any = None, after: str = "", before: str = ""
) -> StaffPage[ModelT]:
    """The page of ``queryset`` (ordered, with its joins, annotations and prefetches) numbered ``page``; ``after`` or
    ``before`` (a page's ``next_cursor`` / ``previous_cursor``) say where it starts or ends, when the links gave one."""
    exact_up_to = int(settings.STAFF_LIST_EXACT_COUNT)
    count = queryset.order_by().values("pk")[: exact_up_to + 1].count()
    estimate = count > exact_up_to and connections[queryset.db].vendor == "postgresql"
    if estimate:
        count = max(count, _estimate(queryset))
    elif count > exact_up_to:  # no planner estimate to ask (SQLite, a development database)
        count = queryset.count()
    # An estimate may be short: any page number is then tried, and Next shows while pages are full.
    number = _page_number(page, 10**9 if estimate else max(1, math.ceil(count / per_page)))
    keys = _order_fields(queryset)
    ids = queryset.values("pk")
    forward, at_end = True, False
    cursor = _decode(queryset.model, keys[0], after or before) if keys and (after or before) else None
    if keys and cursor is not None:
        names, descending = keys
        forward = bool(after)
        if not forward:
            ids = ids.reverse()
        ids = ids.filter(_after_q(names, cursor, descending=descending != (not forward)))[:per_page]
    else:
        offset = (number - 1) * per_page
        from_end = count - offset - per_page
        if from_end < offset:  # the nearer end is the last row (with an estimate: where the estimate puts it)
            start = max(from_end, 0)
            at_end = start == 0
            # An estimate's last page is a full one; past the real start (an estimate over twice the truth) it is
            # empty, as counting from the start would be.
            ids = ids.reverse()[start : start + (per_page if estimate else min(per_page, count - offset))]
        else:
            ids = ids[offset : offset + per_page]
    rows = list(queryset.filter(pk__in=ids))
    return StaffPage(rows, number=number, per_page=per_page, count=count, estimate=estimate, keys=keys, at_end=at_end)


def cursor_args(request_get: Any) -> dict[str, str]:
    """The ``after`` / ``before`` cursor of a list request, for :func:`staff_page`."""
    return {"after": request_get.get("after", "")[:512], "before": request_get.get("before", "")[:512]}


def list_query(request_get: QueryDict) -> str:
    """The list's filters and sort as a query string, without its page and cursors (the page links add their own)."""
    query = request_get.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return query.urlencode()


def distinct_pairs(model: type[Model], first: str, second: str) -> list[tuple[Any, Any]]:
    """The distinct (``first``, ``second``) values of ``model``'s table, in order, such as a list's eMSP parties.

    ``SELECT DISTINCT`` reads every row; on PostgreSQL this walks an index on (``first``, ``second``) from one value
    to the next instead (a recursive "skip scan"), so a few dozen parties cost a few dozen index probes, not 200,000
    rows. Needs that index to be fast; other databases get the plain DISTINCT.
    """
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return list(model.objects.order_by(first, second).values_list(first, second).distinct())  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in (first, second)]
    a, b = (quote(field.column) for field in fields if isinstance(field, Field) and field.column)
    sql = f"""
        WITH RECURSIVE pairs(a, b) AS (
            (SELECT {a}, {b} FROM {table} ORDER BY {a}, {b} LIMIT 1)
            UNION ALL
            SELECT next.a, next.b FROM pairs, LATERAL (
                SELECT {a} AS a, {b} AS b FROM {table} WHERE ({a}, {b}) > (pairs.a, pairs.b) ORDER BY {a}, {b} LIMIT 1
            ) AS next
        )
        SELECT a, b FROM pairs
    """  # noqa: S608 (names come from the model's own metadata, quoted)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [(row[0], row[1]) for row in cursor.fetchall()]
