"""Write many rows of one model in one statement: COPY for rows known to be new, one JSON document for
rows that may exist (insert or update).

Why not `bulk_create`: on PostgreSQL, Django sends every column as an array literal that psycopg escapes
value by value in Python; for a 500-device page with six JSON columns that escaping alone took about five
times as long as fetching the page from Seam (tests/benchmarks/bench_device_sync.py). Here the batches are
serialised once, ahead of time (the sync builds them in its prefetch thread, off the database's critical
path). COPY costs PostgreSQL about half the CPU of unpacking a JSON document with `jsonb_to_recordset`, so
it carries the big writes (a first sync); the document carries the few updates of a re-sync, because COPY
cannot resolve conflicts. Other databases (SQLite for local development) fall back to bulk_create.
"""

import functools
import json
import time
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection, models


def json_text(value: Any) -> str:
    """`value` as JSON text. orjson writes a device's properties about eight times as fast as the standard
    library, which is most of what a first sync does in Python; it refuses integers beyond 64 bits, which
    the standard library writes."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, allow_nan=False)


@dataclass(frozen=True)
class RowBatch:
    """Rows for `rows_upsert`: keyed by field attname, the same keys in each, JSON-serialisable values."""

    rows: list[dict[str, Any]]
    as_json: str


def row_batch(rows: list[dict[str, Any]]) -> RowBatch:
    return RowBatch(rows=rows, as_json=json_text(rows))


@dataclass(frozen=True)
class CopyBatch:
    """Rows for `rows_insert`: `rows` as for RowBatch, `values` the same rows as lists in `columns` order,
    JSON columns already encoded."""

    rows: list[dict[str, Any]]
    columns: list[str]
    values: list[list]


def copy_batch(model: type[models.Model], rows: list[dict[str, Any]]) -> CopyBatch:
    columns = list(rows[0]) if rows else []
    json_positions = [
        i for i, name in enumerate(columns) if isinstance(_field(model, name), models.JSONField)
    ]
    values = []
    for row in rows:
        row_values = [row[name] for name in columns]
        for position in json_positions:
            row_values[position] = json_text(row_values[position])
        values.append(row_values)
    return CopyBatch(rows=rows, columns=columns, values=values)


def copy_batches_joined(batches: list[CopyBatch]) -> CopyBatch:
    """One batch of the rows of `batches`, which were built from rows with the same keys."""
    batches = [batch for batch in batches if batch.rows]
    return CopyBatch(
        rows=[row for batch in batches for row in batch.rows],
        columns=batches[0].columns if batches else [],
        values=[values for batch in batches for values in batch.values],
    )


def rows_insert(*, model: type[models.Model], batch: CopyBatch, constants: dict[str, Any]) -> None:
    """Insert the batch's rows plus `constants` (one value for every row, e.g. the workspace); names are
    attnames (`workspace_id`). The rows must be new: a row that breaks a unique constraint raises
    IntegrityError and nothing of the batch is written."""
    if not batch.rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**constants, **row) for row in batch.rows])
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in [*constants, *batch.columns])
    constant_values = list(constants.values())
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"

    def copy(sql, params, many, context):
        with context["cursor"].cursor.copy(sql) as copy:
            for values in batch.values:
                copy.write_row(constant_values + values)

    _execute_visibly(sql, copy)


def rows_upsert(
    *,
    model: type[models.Model],
    batch: RowBatch,
    constants: dict[str, Any],
    unique_fields: list[str],
    update_fields: list[str],
) -> None:
    """Upsert the batch's rows plus `constants`. On a conflict on `unique_fields`, `update_fields` take the
    new values. Names are attnames (`workspace_id`)."""
    if not batch.rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**constants, **row) for row in batch.rows],
            update_conflicts=True,
            unique_fields=[_field(model, name).name for name in unique_fields],
            update_fields=[_field(model, name).name for name in update_fields],
        )
        return
    sql = _upsert_sql(model, list(batch.rows[0]), list(constants), unique_fields, update_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants.values(), batch.as_json])


def _execute_visibly(sql: str, executor) -> None:
    """Run a statement that `cursor.execute` cannot send (COPY) the way Django runs the others: through the
    execute wrappers and into the query log (query counters see it), with Django's database exceptions."""
    with connection.cursor() as cursor:
        context = {"connection": connection, "cursor": cursor}
        for wrapper in reversed(connection.execute_wrappers):
            executor = functools.partial(wrapper, executor)
        started = time.monotonic()
        with connection.wrap_database_errors:
            executor(sql, None, False, context)
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _field(model: type[models.Model], attname: str) -> models.Field:
    return model._meta.get_field(attname)


def _upsert_sql(model, row_names, constant_names, unique_fields, update_fields) -> str:
    quote = connection.ops.quote_name
    row_types = ", ".join(f"{quote(name)} {_field(model, name).db_type(connection)}" for name in row_names)
    constant_values = [f"CAST(%s AS {_field(model, name).db_type(connection)})" for name in constant_names]
    columns = ", ".join(quote(name) for name in [*constant_names, *row_names])
    selected = ", ".join([*constant_values, *(f"r.{quote(name)}" for name in row_names)])
    conflict = ", ".join(quote(name) for name in unique_fields)
    updates = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in update_fields)
    # jsonb for the envelope: json_to_recordset would parse every jsonb column's text a second time.
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"SELECT {selected} FROM jsonb_to_recordset(%s::jsonb) AS r({row_types}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
