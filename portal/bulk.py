"""Bulk writes: PostgreSQL's ``COPY … FROM STDIN`` (``executemany`` elsewhere), for the synthetic data and the
worker import's bulk registration. Rows are written as given: no ``save()``, no signals, no audit entries (the
callers write those they need: ``portal.audit.audit_bulk_created``).

Part of the core: it imports no app.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from django.db import connection
from django.db.models import Field


def copy_text(value: Any) -> str:
    """A value in COPY's text format (NULL as ``\\N``, booleans as t/f, dates ISO, JSON for lists and dicts)."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str:
        text = value
    elif value is None:
        return r"\N"
    elif value is True or value is False:
        return "t" if value else "f"
    elif isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    else:
        # JSON for a json/jsonb column (orjson: a tenth of json.dumps's time; PostgreSQL reads both the same).
        text = orjson.dumps(value).decode() if isinstance(value, (dict, list)) else str(value)
    if "\\" in text or not text.isprintable():  # tab, newline and carriage return are not printable
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(db_table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              constants: dict[str, Any] | None = None) -> None:
    """``COPY db_table (columns) FROM STDIN`` with ``rows`` (values in the order of ``columns``); PostgreSQL
    only. ``constants``: more columns, with one value for every row (written once, not once per row). A constraint
    violation raises Django's ``IntegrityError``, as a query's would."""
    quote = connection.ops.quote_name
    constants = constants or {}
    tail = "".join("\t" + copy_text(value) for value in constants.values()) + "\n"
    buffer = io.StringIO()
    buffer.writelines("\t".join([copy_text(value) for value in row]) + tail for row in rows)
    buffer.seek(0)
    names = ", ".join(quote(column) for column in [*columns, *constants])
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(f"COPY {quote(db_table)} ({names}) FROM STDIN", buffer)


BATCH = 2000  # rows per INSERT statement where there is no COPY


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                constants: dict[str, Any] | None = None) -> None:
    """Rows of ``model``'s table (values in the order of ``columns``, as Python values: dates, booleans, lists for
    JSON), with no ids read back: COPY on PostgreSQL, elsewhere ``executemany`` of one INSERT in batches, each value
    prepared by its field. ``constants``: {column: value} of the columns every row has the same value in."""
    rows = list(rows)
    if not rows:
        return
    db_table = model._meta.db_table
    if connection.vendor == "postgresql":
        copy_rows(db_table, columns, rows, constants)
        return
    if constants:
        columns = [*columns, *constants]
        same = list(constants.values())
        rows = [[*row, *same] for row in rows]
    fields = {f.column: f for f in model._meta.concrete_fields}
    prepare = [fields[column].get_db_prep_save for column in columns]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(db_table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [[p(value, connection) for p, value in zip(prepare, row, strict=True)]
                                     for row in rows[start:start + BATCH]])


def insert_objects(model, objs: list) -> None:
    """New objects of ``model``, their ids set. On PostgreSQL the ids come from the sequence and the rows go in one
    COPY, which spares the ORM's per-value work; elsewhere ``bulk_create`` (which sets the ids there)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objs)])
        ids = [row[0] for row in cursor.fetchall()]
    fields = meta.concrete_fields
    # A field's pre_save is its attribute's value, except where a field overrides it (auto_now dates…): only
    # those are called, the rest read from the object's __dict__ (a new object: every concrete field is there).
    spec = [(field.attname, None if type(field).pre_save is Field.pre_save else field) for field in fields]
    rows = []
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
        values = obj.__dict__
        rows.append([values[name] if field is None else field.pre_save(obj, True) for name, field in spec])
    copy_rows(meta.db_table, [field.column for field in fields], rows)


def new_objects(model, rows: Iterable[dict[str, Any]]) -> list:
    """Unsaved objects of ``model``, each as ``model(**values)`` makes it — the fields not given take their
    default, a related object given by its field's name sets the key and is cached, a key may be given by its
    attribute (``unit_id``) — without ``Model.__init__``'s work per field and per keyword (a third of the time of
    registering 20,000 workers in bulk). The defaults are read once from an object made without values; a default
    that is a callable is called for each object. Where something listens to ``post_init``, ``model(**values)``."""
    from django.db.models.base import ModelState
    from django.db.models.signals import post_init

    rows = list(rows)
    if post_init.has_listeners(model):
        return [model(**values) for values in rows]
    fields = model._meta.concrete_fields
    base = {name: value for name, value in model().__dict__.items() if name != "_state"}
    fresh = [field for field in fields if field.has_default() and callable(field.default)]
    relations = {field.name: field for field in fields if field.is_relation}
    names = {field.name for field in fields} | {field.attname for field in fields}
    objects = []
    for values in rows:
        obj = model.__new__(model)
        state = obj.__dict__
        state.update(base)
        state["_state"] = ModelState()
        for field in fresh:
            state[field.attname] = field.get_default()
        for name, value in values.items():
            field = relations.get(name)
            if field is not None:
                state[field.attname] = None if value is None else getattr(value, field.target_field.attname)
                state["_state"].fields_cache[name] = value
            elif name in names:
                state[name] = value
            else:
                raise TypeError(f"{model.__name__} has no field {name!r}")
        objects.append(obj)
    return objects


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while bulk work runs, then one collection of what it made.

    Reference counting frees what the work drops as it goes; the collector would only look again and again at
    the rows the work keeps until it writes them: in a 20,000-row import it ran through the growing heap for
    1.8 s of 5.6 s of CPU. Nests (only the outermost pause resumes it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)  # paused, nothing was promoted: the youngest generation holds all the work made
