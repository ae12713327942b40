"""OCPI pagination (OCPI 2.2.1 transport_and_format.asciidoc, Pagination): offset/limit, date_from/date_to on
last_updated, Link, X-Total-Count, X-Limit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from rest_framework.request import Request

from .exceptions import invalid_parameter
from .params import query_datetime, query_int

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int
    date_from: datetime | None
    date_to: datetime | None
    max_limit: int


def max_page_size() -> int:
    return int(settings.OCPI_MAX_PAGE_SIZE)


def page_request(request: Request) -> PageRequest:
    """Read the paging parameters. A limit above the server maximum is capped, as the spec says, not an error."""
    maximum = max_page_size()
    query = request.query_params
    offset = query_int(query, "offset", default=0, minimum=0)
    limit = query_int(query, "limit", default=int(settings.OCPI_DEFAULT_PAGE_SIZE), minimum=1)
    date_from = query_datetime(query, "date_from")
    date_to = query_datetime(query, "date_to")
    if date_from and date_to and date_to <= date_from:
        raise invalid_parameter("date_to", "must be later than date_from.")
    return PageRequest(offset, min(limit, maximum), date_from, date_to, maximum)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    headers: dict[str, str]


def paginate(
    *,
    queryset: QuerySet[M],
    page: PageRequest,
    request: Request,
    fetch: Callable[[list[int]], Iterable[M]],
) -> Page:
    """One page in a stable order of (last_updated, id).

    The page is found on ids alone (the narrow ``location_sync_order``-style index answers it), and only that page's
    rows are then loaded with ``fetch`` and its prefetches. So the cost of a deep offset is an index walk, and the
    last page of a large crawl costs about what the first does.
    """
    window = page_window(queryset=queryset, page=page, request=request)
    ids = list(window.ids) if window.size else []
    by_id = {obj.pk: obj for obj in fetch(ids)} if ids else {}
    items = [by_id[pk] for pk in ids if pk in by_id]
    return Page(items=items, total=window.total, headers=window.headers)


@dataclass(frozen=True)
class Window:
    """A page before it is read: ``ids`` is the page's primary keys in order, as a query not yet run (a subquery
    for whoever reads the page's rows, so that they come in one round trip), ``size`` how many it holds."""

    ids: QuerySet[Any, Any]
    size: int
    total: int
    headers: dict[str, str]


def page_window(*, queryset: QuerySet[M], page: PageRequest, request: Request) -> Window:
    """``paginate``'s counting and headers, for objects read by the caller (stored documents)."""
    filtered = queryset
    if page.date_from is not None:
        filtered = filtered.filter(last_updated__gte=page.date_from)
    if page.date_to is not None:
        filtered = filtered.filter(last_updated__lt=page.date_to)
    total = filtered.count()
    ids = filtered.order_by("last_updated", "pk").values_list("pk", flat=True)[page.offset : page.offset + page.limit]
    size = max(0, min(page.limit, total - page.offset))
    headers = {"X-Total-Count": str(total), "X-Limit": str(page.max_limit)}
    next_offset = page.offset + size
    if size and next_offset < total:
        query = request.query_params.copy()
        query["offset"] = str(next_offset)
        query["limit"] = str(page.limit)
        url = request.build_absolute_uri(request.path) + "?" + query.urlencode()
        headers["Link"] = f'<{url}>; rel="next"'
    return Window(ids=ids, size=size, total=total, headers=headers)
