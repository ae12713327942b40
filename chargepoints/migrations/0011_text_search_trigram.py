"""Trigram indexes for the staff text search (issue #20: "filters stay index-backed"), on PostgreSQL only.

``icontains`` is ``UPPER(col::text) LIKE UPPER('%word%')`` on PostgreSQL; a GIN index with ``gin_trgm_ops`` on that
same expression answers it, for any word of three letters or more. SQLite has neither pg_trgm nor GIN: there the
search stays a scan, which at a demo's size costs nothing. The indexes live outside the models' state (they are
PostgreSQL's alone), so they are created and dropped here by hand.
"""

from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index name, table, column): the columns the station search (chargepoints.search._text_q) and the session
# search's station lookup (chargepoints.sessions.selectors.session_search) match words against.
TRIGRAM_INDEXES = (
    ("location_name_trgm", "chargepoints_location", "name"),
    ("location_address_trgm", "chargepoints_location", "address"),
    ("location_city_trgm", "chargepoints_location", "city"),
    ("location_postal_code_trgm", "chargepoints_location", "postal_code"),
    ("location_ocpi_id_trgm", "chargepoints_location", "ocpi_id"),
    ("evse_evse_id_trgm", "chargepoints_evse", "evse_id"),
    ("evse_uid_trgm", "chargepoints_evse", "uid"),
)


def create_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("chargepoints", "0010_evse_status_history"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
