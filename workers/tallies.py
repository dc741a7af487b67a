"""The departure tallies (``workers.DepartureTally``): the departures counted per unit, month of departure,
country and programme — departed, women, poor or near-poor, ethnic minority, with an orientation certificate —
kept by the database on every write of a departure, and recomputed from the departures to prove them right.

Why: a progress report counted its departure figures from every departure of the period and of the same period a
year before (``reports.progress.queries``), a scan in step with the registry. From the tallies a national report
reads the rows of the 63 provinces, a province's report those of its districts: a few rows per unit and month.

Each departure counts in the ``own`` row of its home unit and in the not-``own`` row of every unit above it (up to
four levels, through ``parent``), so the rows of the units directly below a report's root hold their whole subtree,
and the root's ``own`` rows what was recorded at the root itself.

Kept by triggers (installed by migration ``workers.0017``), so every writer keeps them without knowing: the
services, ``bulk_create``, COPY (``portal.bulk``, the generator), the imports, history's rollbacks, deletes, a
change of a departure's unit, date, country, programme or flags. On PostgreSQL one statement-level trigger per
operation (transition tables: a COPY of 25,000 departures is one grouped upsert); on SQLite (the tests) row-level
triggers. A row whose counts fell to zero is left in place (it counts nothing).

``manage.py departure_tallies --check`` recomputes every tally from the departures and counts the rows that differ;
``--rebuild`` writes the recomputed tallies.
"""
from __future__ import annotations

from django.db import connection, transaction

from portal.db import is_distinct, run_per_vendor

TABLE = "workers_departuretally"
DEPARTURES = "workers_departure"
UNITS = "portal_unit"
LEVELS_ABOVE = 4  # hamlet → commune → district → province, and one more to spare

_COUNTS = ("n_departed", "n_female", "n_poor", "n_minority", "n_cert")
_COLUMNS = "unit_id, own, month, country_id, programme_id, programme_key, " + ", ".join(_COUNTS)
# What a departure row contributes (the columns of r), the same in every dialect.
_CONTRIBUTION = ("1", "CASE WHEN r.sex = 'female' THEN 1 ELSE 0 END",
                 "CASE WHEN r.is_poor_or_near_poor THEN 1 ELSE 0 END",
                 "CASE WHEN r.is_ethnic_minority THEN 1 ELSE 0 END",
                 "CASE WHEN r.has_orientation_cert THEN 1 ELSE 0 END")
_ROW_COLUMNS = ("unit_id", "date", "country_id", "programme_id", "sex", "is_poor_or_near_poor",
                "is_ethnic_minority", "has_orientation_cert")


def _month(vendor: str, column: str) -> str:
    return f"CAST(date_trunc('month', {column}) AS date)" if vendor == "postgresql" else f"date({column}, 'start of month')"


def _rows_with_ancestors(vendor: str, rows: str) -> str:
    """Each row of ``rows`` (a table or a sub-select with the departure's columns) once as its home unit's own row
    and once per unit above it."""
    picked = "r.date, r.country_id, r.programme_id, " + ", ".join(
        f"{expr} AS c_{name}" for expr, name in zip(_CONTRIBUTION, _COUNTS, strict=True))
    parts = [f"SELECT r.unit_id AS t_unit, 1 AS t_own, {picked} FROM {rows} r"]
    joins = ""
    previous = "r.unit_id"
    for level in range(1, LEVELS_ABOVE + 1):
        joins += f" JOIN {UNITS} u{level} ON u{level}.id = {previous}"
        parts.append(f"SELECT u{level}.parent_id, 0, {picked} FROM {rows} r{joins} WHERE u{level}.parent_id IS NOT NULL")
        previous = f"u{level}.parent_id"
    return " UNION ALL ".join(parts)


def _upsert(vendor: str, rows: str, sign: int) -> str:
    """Add (``sign`` 1) or take away (-1) the contributions of ``rows`` to the tallies, grouped first."""
    sums = ", ".join(f"{sign} * SUM(a.c_{name})" for name in _COUNTS)
    update = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in _COUNTS)
    return (f"INSERT INTO {TABLE} ({_COLUMNS}) "
            f"SELECT a.t_unit, a.t_own = 1, {_month(vendor, 'a.date')}, a.country_id, a.programme_id, "
            f"COALESCE(a.programme_id, 0), {sums} "
            f"FROM ({_rows_with_ancestors(vendor, rows)}) a WHERE a.t_unit IS NOT NULL "
            f"GROUP BY a.t_unit, a.t_own, {_month(vendor, 'a.date')}, a.country_id, a.programme_id "
            f"ON CONFLICT (unit_id, own, month, country_id, programme_key) DO UPDATE SET {update}")


_CHANGED = " OR ".join(is_distinct("postgresql", f"o.{c}", f"w.{c}") for c in _ROW_COLUMNS)


def _pg_function() -> str:
    changed_old = f"(SELECT o.* FROM old_rows o JOIN new_rows w ON w.id = o.id WHERE {_CHANGED})"
    changed_new = f"(SELECT w.* FROM old_rows o JOIN new_rows w ON w.id = o.id WHERE {_CHANGED})"
    return f"""
CREATE OR REPLACE FUNCTION workers_departure_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_upsert("postgresql", "new_rows", 1)};
    ELSIF TG_OP = 'DELETE' THEN
        {_upsert("postgresql", "old_rows", -1)};
    ELSE
        {_upsert("postgresql", changed_old, -1)};
        {_upsert("postgresql", changed_new, 1)};
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER workers_departure_tally_insert AFTER INSERT ON {DEPARTURES}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workers_departure_tally();
CREATE TRIGGER workers_departure_tally_delete AFTER DELETE ON {DEPARTURES}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION workers_departure_tally();
CREATE TRIGGER workers_departure_tally_update AFTER UPDATE ON {DEPARTURES}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION workers_departure_tally();
"""


_PG_DROP = f"""
DROP TRIGGER IF EXISTS workers_departure_tally_insert ON {DEPARTURES};
DROP TRIGGER IF EXISTS workers_departure_tally_delete ON {DEPARTURES};
DROP TRIGGER IF EXISTS workers_departure_tally_update ON {DEPARTURES};
DROP FUNCTION IF EXISTS workers_departure_tally();
"""


def _sqlite_row(which: str) -> str:
    """The trigger's OLD or NEW row as a one-row sub-select with the departure's columns."""
    return "(SELECT " + ", ".join(f"{which}.{c} AS {c}" for c in _ROW_COLUMNS) + ")"


def _sqlite_triggers() -> list[str]:
    changed = " OR ".join(is_distinct("sqlite", f"OLD.{c}", f"NEW.{c}") for c in _ROW_COLUMNS)
    return [
        f"CREATE TRIGGER workers_departure_tally_insert AFTER INSERT ON {DEPARTURES} BEGIN "
        f"{_upsert('sqlite', _sqlite_row('NEW'), 1)}; END;",
        f"CREATE TRIGGER workers_departure_tally_delete AFTER DELETE ON {DEPARTURES} BEGIN "
        f"{_upsert('sqlite', _sqlite_row('OLD'), -1)}; END;",
        f"CREATE TRIGGER workers_departure_tally_update AFTER UPDATE ON {DEPARTURES} WHEN {changed} BEGIN "
        f"{_upsert('sqlite', _sqlite_row('OLD'), -1)}; {_upsert('sqlite', _sqlite_row('NEW'), 1)}; END;",
    ]


_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS workers_departure_tally_{op};" for op in ("insert", "delete", "update")]


def install_triggers(schema_editor) -> None:
    """Create the triggers (migration ``workers.0017``)."""
    run_per_vendor(schema_editor, {"postgresql": [_pg_function()], "sqlite": _sqlite_triggers()},
                   what="departure-tally triggers")


def drop_triggers(schema_editor) -> None:
    run_per_vendor(schema_editor, {"postgresql": [_PG_DROP], "sqlite": _SQLITE_DROP}, what="departure-tally triggers")


def fill_sql(vendor: str) -> str:
    """Every tally recomputed from the departures, into the (empty) table."""
    return _upsert(vendor, DEPARTURES, 1)


def _expected(vendor: str) -> str:
    """The tallies recomputed from the departures, as (key…, counts…) rows."""
    inner = _rows_with_ancestors(vendor, DEPARTURES)
    sums = ", ".join(f"SUM(a.c_{name})" for name in _COUNTS)
    return (f"SELECT a.t_unit, a.t_own, {_month(vendor, 'a.date')}, a.country_id, COALESCE(a.programme_id, 0), {sums} "
            f"FROM ({inner}) a WHERE a.t_unit IS NOT NULL "
            f"GROUP BY a.t_unit, a.t_own, {_month(vendor, 'a.date')}, a.country_id, COALESCE(a.programme_id, 0)")


def _stored() -> str:
    nonzero = " OR ".join(f"{name} <> 0" for name in _COUNTS)
    own = "CASE WHEN own THEN 1 ELSE 0 END"
    return (f"SELECT unit_id, {own}, month, country_id, programme_key, {', '.join(_COUNTS)} FROM {TABLE} "
            f"WHERE {nonzero}")


def departure_tallies_differences(using_connection=None) -> tuple[int, int]:
    """(tally rows expected from the departures, rows that differ: expected but not stored as such, or stored with
    counts no departure explains)."""
    conn = using_connection or connection
    expected, stored = _expected(conn.vendor), _stored()
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({expected}) e")
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM ({expected} EXCEPT {stored}) x")
        missing = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM ({stored} EXCEPT {expected}) x")
        extra = cursor.fetchone()[0]
    return int(total), int(missing) + int(extra)


def departure_tallies_rebuild() -> int:
    """Replace every tally by the ones recomputed from the departures; the number of rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(fill_sql(connection.vendor))
        return cursor.rowcount
