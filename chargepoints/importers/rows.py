"""Bulk import writes: unsaved model instances stored as ``bulk_create`` stores them, with less work per value.

``bulk_create`` passes every value of every row through the query compiler (expression checks, ``pre_save``,
``get_db_prep_save``), which cost more than the database took to store the rows. Here each column's conversion is
chosen once per model: a value that already has the column's Python type (a str for a CharField, an int for an
IntegerField, …) is what ``get_db_prep_save`` would return, so it is passed as it is; JSON is dumped with the
field's encoder, as Django's adapter does; every other value goes through ``get_db_prep_save`` itself.

On PostgreSQL the rows go in with COPY, their primary keys drawn from the table's sequence first; elsewhere (or
for a value COPY's text format is not spelled for here) with multi-row INSERTs that read the keys back with
RETURNING. Backends that cannot return rows from an INSERT use ``bulk_create``. Either way the instances get
their primary keys, as with ``bulk_create``. No signal is sent.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

Convert = Callable[[Any], Any]

# The Python type of a column's value that needs no conversion (bool before int: a bool is an int).
_PLAIN_TYPES: list[tuple[type[models.Field[Any, Any]], type]] = [
    (models.BooleanField, bool),
    (models.CharField, str),
    (models.TextField, str),
    (models.IntegerField, int),
    (models.FloatField, float),
]


def _converter(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> tuple[str, Convert]:
    """The placeholder and the conversion of one column's values."""
    prepare: Convert = lambda value: field.get_db_prep_save(value, connection)  # noqa: E731
    postgresql = connection.vendor == "postgresql"
    if isinstance(field, models.DateTimeField) and postgresql:  # stored as it is when it has a zone
        return "%s", lambda value: value if type(value) is datetime and value.tzinfo is not None else prepare(value)
    if isinstance(field, models.JSONField) and postgresql:
        # json.dumps(value, cls=field.encoder), as Django's Jsonb adapter dumps, with the encoder made once.
        encode = (field.encoder or json.JSONEncoder)().encode

        def to_json(value: Any) -> Any:
            # SQL NULL and expressions as Django has them; any other value is dumped.
            if value is None or hasattr(value, "resolve_expression"):
                return prepare(value)
            return encode(value)

        return "%s::jsonb", to_json
    if isinstance(field, models.ForeignKey):
        return "%s", lambda value: value if type(value) is int else prepare(value)
    for field_type, python_type in _PLAIN_TYPES:
        if isinstance(field, field_type):
            return "%s", _plain_or(python_type, prepare)
    return "%s", prepare


def _plain_or(python_type: type, prepare: Convert) -> Convert:
    return lambda value: value if type(value) is python_type or value is None else prepare(value)


def _reader(field: models.Field[Any, Any]) -> Callable[[models.Model], Any]:
    """How a column's value is read from an instance: ``pre_save`` for the fields that set themselves."""
    if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
        return lambda obj: field.pre_save(obj, add=True)
    attname = field.attname
    return lambda obj: getattr(obj, attname)


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (unsaved, without primary keys) and set their primary keys. Sends no signal."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objs)
        return
    opts = model._meta
    pk = opts.pk
    assert pk is not None
    fields = [field for field in opts.concrete_fields if not field.primary_key]
    columns: list[tuple[str, Convert, Callable[[models.Model], Any]]] = []
    for field in fields:
        placeholder, convert = _converter(field, connection)
        columns.append((placeholder, convert, _reader(field)))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and fields and hasattr(cursor.cursor, "copy_expert"):
            try:
                text = _copy_text(objs, columns)
            except _NotCopyable:
                pass
            else:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [opts.db_table, pk.column, len(objs)],
                )
                pks = [row[0] for row in cursor.fetchall()]
                names = ", ".join(quote(field.column) for field in [pk, *fields])
                lines = "".join(f"{new_pk}\t{line}" for new_pk, line in zip(pks, text, strict=True))
                cursor.cursor.copy_expert(f"COPY {quote(opts.db_table)} ({names}) FROM STDIN", io.StringIO(lines))
                _saved(objs, pks, pk.attname, connection.alias)
                return
        names = ", ".join(quote(field.column) for field in fields)
        head = f"INSERT INTO {quote(opts.db_table)} ({names}) VALUES "  # noqa: S608  (names from the model)
        row_sql = f"({', '.join(placeholder for placeholder, _, _ in columns)})"
        # At most 65,535 parameters per statement, PostgreSQL's limit when the driver binds them on the server.
        size = min(connection.ops.bulk_batch_size(fields, objs) or len(objs), 65_535 // len(fields))
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [convert(read(obj)) for obj in chunk for _, convert, read in columns]
            cursor.execute(f"{head}{', '.join([row_sql] * len(chunk))} RETURNING {quote(pk.column)}", params)
            _saved(chunk, [new_pk for (new_pk,) in cursor.fetchall()], pk.attname, connection.alias)


def _saved(objs: Sequence[models.Model], pks: list[Any], attname: str, alias: str) -> None:
    for obj, new_pk in zip(objs, pks, strict=True):
        setattr(obj, attname, new_pk)
        obj._state.adding = False
        obj._state.db = alias


# --- PostgreSQL: COPY ---------------------------------------------------------------------------------------------
# COPY's text format takes the rows as they are, without a statement to parse or parameters to quote: several times
# faster than a multi-row INSERT. The primary keys are drawn from the table's sequence first.


class _NotCopyable(Exception):
    """A value of a type the text format below does not spell; the rows are INSERTed instead."""


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def _cell(value: Any) -> str:
    kind = type(value)
    if kind is str:
        text: str = value
        return text.translate(_ESCAPES) if _NEEDS_ESCAPE.search(text) else text
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is float:
        return repr(value)
    if kind is datetime:
        stamp: datetime = value
        return stamp.isoformat()
    if isinstance(value, str):  # a TextChoices member: its text, as the driver would send it
        return _cell(str.__str__(value))
    raise _NotCopyable


def _copy_text(
    objs: Sequence[models.Model], columns: list[tuple[str, Convert, Callable[[models.Model], Any]]]
) -> list[str]:
    """Each row's line of COPY text (without its primary key)."""
    return ["\t".join([_cell(convert(read(obj))) for _, convert, read in columns]) + "\n" for obj in objs]
