"""Insert-or-update many rows in one statement, the rows travelling as a single JSON document.

Why not `bulk_create(update_conflicts=True)`: on PostgreSQL, Django sends every column as an array
literal that psycopg escapes value by value in Python. For a 500-device page with six JSON columns that
escaping alone took about five times as long as fetching the page from Seam
(tests/benchmarks/bench_device_sync.py). Here the C json encoder serialises a batch once (in
`row_batch`, which the sync runs off the database's critical path) and PostgreSQL unpacks it with
`jsonb_to_recordset`. Other databases (SQLite for local development) fall back to bulk_create.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models


@dataclass(frozen=True)
class RowBatch:
    rows: list[dict[str, Any]]  # keyed by field attname, JSON-serialisable values, the same keys in each
    as_json: str


def row_batch(rows: list[dict[str, Any]]) -> RowBatch:
    return RowBatch(rows=rows, as_json=json.dumps(rows, allow_nan=False))


def rows_upsert(
    *,
    model: type[models.Model],
    batch: RowBatch,
    constants: dict[str, Any],
    unique_fields: list[str],
    update_fields: list[str],
) -> None:
    """Upsert the batch's rows plus `constants` (one value for every row, e.g. the workspace). On a
    conflict on `unique_fields`, `update_fields` take the new values. Names are attnames (`workspace_id`)."""
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
