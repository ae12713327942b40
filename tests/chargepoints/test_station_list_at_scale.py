"""The station list at a network's size (PostgreSQL): a deep page runs the same queries and the same plan as the
first, and the plan walks the ordering's index rather than the whole table (issue #20: page 200 took over 30 s)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chargepoints.scale import ScalePlan, scale_seed
from tests.factories import operations_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans at scale need PostgreSQL"),
]

LOCATIONS = 10_000  # the network; much smaller, and a sequential scan is rightly cheaper
PAGES = LOCATIONS // 50  # PAGE_SIZE


@pytest.fixture(scope="module")
def network(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        plan = ScalePlan(locations=LOCATIONS, sessions=0, invoices=0, seed=1, now=datetime(2026, 3, 1, tzinfo=UTC))
        scale_seed(plan=plan)
        yield
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def _page_queries(client: Any, page: int, **filters: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("stations:list"), {"page": page, **filters})
    assert response.status_code == 200
    assert response.context["page"].number == page
    return [query["sql"] for query in captured.captured_queries]


def _shape(sql: str) -> str:
    """The query without its values: literals, id lists, LIMIT and OFFSET."""
    sql = re.sub(r"'[^']*'|\"s\d+_x\d+\"", "?", sql)  # literals and savepoint names
    sql = re.sub(r" OFFSET \d+", "", sql)  # page 1 has none
    return re.sub(r"\bLIMIT \d+", "LIMIT ?", re.sub(r"IN \([\d, ]+\)", "IN (…)", sql))


def _plan_nodes(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(f"{node['Node Type']} {node.get('Relation Name') or node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return nodes


def test_a_deep_page_runs_the_first_pages_queries_and_plan_without_scanning_the_table(client, network):
    client.force_login(operations_user())
    first, middle, last = (_page_queries(client, page) for page in (1, PAGES // 2, PAGES))
    assert [_shape(sql) for sql in middle] == [_shape(sql) for sql in first]
    assert len(last) == len(first)  # the last page reads the ordering backwards: the same queries, DESC
    # The page itself: its rows' ids by the ordering's index, then those rows with their per-row figures.
    at = next(n for n, sql in enumerate(first) if "available_count" in sql)
    first_plan, middle_plan, last_plan = (_plan_nodes(queries[at]) for queries in (first, middle, last))
    assert middle_plan == first_plan
    assert "Seq Scan chargepoints_location" not in middle_plan, middle_plan
    assert "Seq Scan chargepoints_location" not in last_plan, last_plan


def test_a_text_search_reads_the_trigram_indexes_at_a_deep_page(client, network):
    """``q`` matches words anywhere in a name, address or EVSE id (``icontains``): without the trigram indexes of
    migration 0011 that is a scan of every location, and of every EVSE for each of them."""
    client.force_login(operations_user())
    response = client.get(reverse("stations:list"), {"q": "hamburg"})
    pages = response.context["page"].paginator.num_pages
    assert pages >= 10  # one city of fourteen: deep enough to have a middle and a far end
    first, middle, last = (_page_queries(client, page, q="hamburg") for page in (1, pages // 2, pages))
    assert [_shape(sql) for sql in middle] == [_shape(sql) for sql in first]
    assert len(last) == len(first)
    at = next(n for n, sql in enumerate(first) if "available_count" in sql)
    for queries in (middle, last):
        plan = _plan_nodes(queries[at])
        assert "Seq Scan chargepoints_location" not in plan, plan
        assert "Seq Scan chargepoints_evse" not in plan, plan
        assert "Bitmap Index Scan evse_evse_id_trgm" in plan, plan
    # The count reads every match: by the location columns' trigram indexes, OR-ed, not by a scan.
    count = _plan_nodes(next(sql for sql in first if "COUNT(" in sql))
    assert {"Bitmap Index Scan location_name_trgm", "Bitmap Index Scan location_city_trgm"} <= set(count), count
    assert "Seq Scan chargepoints_location" not in count, count
