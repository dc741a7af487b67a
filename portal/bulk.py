"""Bulk writes by PostgreSQL's ``COPY … FROM STDIN``: the synthetic data and the worker import's bulk
registration. Rows are written as given: no ``save()``, no signals, no audit entries (the callers write
those they need) and no ids read back (the callers set them).

Part of the core: it imports no app.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


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
        text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(db_table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``COPY db_table (columns) FROM STDIN`` with ``rows`` (values in the order of ``columns``); PostgreSQL
    only. A constraint violation raises Django's ``IntegrityError``, as a query's would."""
    quote = connection.ops.quote_name
    buffer = io.StringIO()
    buffer.writelines("\t".join([copy_text(value) for value in row]) + "\n" for row in rows)
    buffer.seek(0)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(f"COPY {quote(db_table)} ({names}) FROM STDIN", buffer)
