"""Each status change's ``ended_at``: when the worker left that status (the ``at`` of their next change, ordered by
``at`` then id), kept by the database on every write, and recomputed from the timeline to prove it right.

Why: "who was in training or waiting at the end of a period" (``reports.progress``) was "each worker's last change
before that date", a look-up in every worker's timeline, so a report on a past year cost time in step with the
whole registry. With ``ended_at`` it is the stays that began before the date and ended after it (or have not
ended): one range of the partial index ``statuschange_waiting_stay``, whose size is the pool at that date plus the
stays that ended since, not the registry.

Kept by triggers (installed by migration ``workers.0015``), so every writer keeps it without knowing: the
services' ``create``, ``bulk_create``, COPY (``portal.bulk``, the generator), history's imports and rollbacks,
deletes (a worker's timeline goes with them), a change of ``at`` or ``worker``. On PostgreSQL one statement-level
trigger per operation recomputes the timelines of the workers the statement touched (transition tables: a COPY
of 25,000 changes costs one set-based UPDATE); on SQLite (the tests) row-level triggers do the same per worker.

``manage.py status_intervals --check`` recomputes every ``ended_at`` from the timeline (one window query) and
counts the rows that differ; ``--rebuild`` writes the recomputed values.
"""
from __future__ import annotations

from django.db import connection

from portal.db import is_distinct, run_per_vendor

TABLE = "workers_statuschange"

# The worker's next change after each of its changes: the definition the triggers keep and the check proves.
NEXT_AT = f"SELECT id, LEAD(at) OVER (PARTITION BY worker_id ORDER BY at, id) AS next_at FROM {TABLE}"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION workers_statuschange_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN  -- our own UPDATE of ended_at below
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE {TABLE} s SET ended_at = n.next_at
        FROM (SELECT id, LEAD(at) OVER (PARTITION BY worker_id ORDER BY at, id) AS next_at FROM {TABLE}
              WHERE worker_id IN (SELECT DISTINCT worker_id FROM new_rows)) n
        WHERE s.id = n.id AND s.ended_at IS DISTINCT FROM n.next_at;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE {TABLE} s SET ended_at = n.next_at
        FROM (SELECT id, LEAD(at) OVER (PARTITION BY worker_id ORDER BY at, id) AS next_at FROM {TABLE}
              WHERE worker_id IN (SELECT DISTINCT worker_id FROM old_rows)) n
        WHERE s.id = n.id AND s.ended_at IS DISTINCT FROM n.next_at;
    ELSE
        UPDATE {TABLE} s SET ended_at = n.next_at
        FROM (SELECT id, LEAD(at) OVER (PARTITION BY worker_id ORDER BY at, id) AS next_at FROM {TABLE}
              WHERE worker_id IN (SELECT o.worker_id FROM old_rows o JOIN new_rows w ON w.id = o.id
                                  WHERE o.at IS DISTINCT FROM w.at OR o.worker_id <> w.worker_id
                                  UNION SELECT w.worker_id FROM old_rows o JOIN new_rows w ON w.id = o.id
                                  WHERE o.at IS DISTINCT FROM w.at OR o.worker_id <> w.worker_id)) n
        WHERE s.id = n.id AND s.ended_at IS DISTINCT FROM n.next_at;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER workers_statuschange_stays_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION workers_statuschange_stays();
CREATE TRIGGER workers_statuschange_stays_delete AFTER DELETE ON {TABLE}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION workers_statuschange_stays();
CREATE TRIGGER workers_statuschange_stays_update AFTER UPDATE ON {TABLE}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION workers_statuschange_stays();
"""

_PG_DROP = f"""
DROP TRIGGER IF EXISTS workers_statuschange_stays_insert ON {TABLE};
DROP TRIGGER IF EXISTS workers_statuschange_stays_delete ON {TABLE};
DROP TRIGGER IF EXISTS workers_statuschange_stays_update ON {TABLE};
DROP FUNCTION IF EXISTS workers_statuschange_stays();
"""

# SQLite: the timeline of one worker, recomputed (a correlated sub-select: SQLite's UPDATE has no window).
_SQLITE_RECOMPUTE = f"""UPDATE {TABLE} SET ended_at = (
    SELECT s2.at FROM {TABLE} s2 WHERE s2.worker_id = {TABLE}.worker_id
    AND (s2.at > {TABLE}.at OR (s2.at = {TABLE}.at AND s2.id > {TABLE}.id)) ORDER BY s2.at, s2.id LIMIT 1)
    WHERE worker_id = %s;"""

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER workers_statuschange_stays_insert AFTER INSERT ON {TABLE} BEGIN "
    + _SQLITE_RECOMPUTE % "NEW.worker_id" + " END;",
    f"CREATE TRIGGER workers_statuschange_stays_delete AFTER DELETE ON {TABLE} BEGIN "
    + _SQLITE_RECOMPUTE % "OLD.worker_id" + " END;",
    f"CREATE TRIGGER workers_statuschange_stays_update AFTER UPDATE OF at, worker_id ON {TABLE} BEGIN "
    + _SQLITE_RECOMPUTE % "OLD.worker_id" + " " + _SQLITE_RECOMPUTE % "NEW.worker_id" + " END;",
]

_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS workers_statuschange_stays_{op};" for op in ("insert", "delete", "update")]


def install_triggers(schema_editor) -> None:
    """Create the triggers (migration ``workers.0015``)."""
    run_per_vendor(schema_editor, {"postgresql": [_PG_FUNCTION], "sqlite": _SQLITE_TRIGGERS},
                   what="status-stay triggers")


def drop_triggers(schema_editor) -> None:
    run_per_vendor(schema_editor, {"postgresql": [_PG_DROP], "sqlite": _SQLITE_DROP}, what="status-stay triggers")


def _distinct(a: str, b: str) -> str:
    return is_distinct(connection.vendor, a, b)


def status_intervals_differences(using_connection=None) -> tuple[int, int]:
    """(status changes, those whose stored ``ended_at`` differs from the one recomputed from the timeline)."""
    conn = using_connection or connection
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {_distinct('s.ended_at', 'n.next_at')} THEN 1 "
                       f"ELSE 0 END), 0) FROM {TABLE} s JOIN ({NEXT_AT}) n ON n.id = s.id")
        total, differing = cursor.fetchone()
    return int(total), int(differing)


def status_intervals_rebuild() -> int:
    """Write every ``ended_at`` recomputed from the timeline; the number of rows changed."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET ended_at = n.next_at FROM ({NEXT_AT}) n "
                       f"WHERE n.id = {TABLE}.id AND {_distinct(f'{TABLE}.ended_at', 'n.next_at')}")
        return cursor.rowcount


# --- Each change's home unit: the worker's unit, kept by the database ------------------------------------------------
#
# The waiting pool at a past date counts the stays that ended after it by their worker's unit (reports.progress):
# with the unit on the stay, that is one range of the index ``statuschange_waiting_stay`` read alone, instead of a
# look-up of every such worker (53,000 for a year at 1 M workers). Kept by triggers (migration ``workers.0019``):
# a change inserted without a unit takes its worker's (COPY from the generator gives it), a change moved to another
# worker takes that worker's, and a worker who moves takes their changes with them. ``status_intervals --check``
# compares every change's unit with its worker's; ``--rebuild`` mends them.

WORKERS = "workers_worker"

_PG_UNIT = f"""
CREATE OR REPLACE FUNCTION workers_statuschange_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT unit_id INTO NEW.unit_id FROM {WORKERS} WHERE id = NEW.worker_id;
    RETURN NEW;
END $$;
CREATE TRIGGER workers_statuschange_unit_insert BEFORE INSERT ON {TABLE}
    FOR EACH ROW WHEN (NEW.unit_id IS NULL) EXECUTE FUNCTION workers_statuschange_unit();
CREATE TRIGGER workers_statuschange_unit_update BEFORE UPDATE OF worker_id ON {TABLE}
    FOR EACH ROW WHEN (OLD.worker_id IS DISTINCT FROM NEW.worker_id) EXECUTE FUNCTION workers_statuschange_unit();
CREATE OR REPLACE FUNCTION workers_worker_unit_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET unit_id = NEW.unit_id WHERE worker_id = NEW.id AND unit_id IS DISTINCT FROM NEW.unit_id;
    RETURN NULL;
END $$;
CREATE TRIGGER workers_worker_unit_moves AFTER UPDATE OF unit_id ON {WORKERS}
    FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id) EXECUTE FUNCTION workers_worker_unit_moves();
"""

_PG_UNIT_DROP = f"""
DROP TRIGGER IF EXISTS workers_statuschange_unit_insert ON {TABLE};
DROP TRIGGER IF EXISTS workers_statuschange_unit_update ON {TABLE};
DROP FUNCTION IF EXISTS workers_statuschange_unit();
DROP TRIGGER IF EXISTS workers_worker_unit_moves ON {WORKERS};
DROP FUNCTION IF EXISTS workers_worker_unit_moves();
"""

_SQLITE_WORKER_UNIT = f"(SELECT w.unit_id FROM {WORKERS} w WHERE w.id = NEW.worker_id)"
_SQLITE_UNIT = [
    f"CREATE TRIGGER workers_statuschange_unit_insert AFTER INSERT ON {TABLE} WHEN NEW.unit_id IS NULL BEGIN "
    f"UPDATE {TABLE} SET unit_id = {_SQLITE_WORKER_UNIT} WHERE id = NEW.id; END;",
    f"CREATE TRIGGER workers_statuschange_unit_update AFTER UPDATE OF worker_id ON {TABLE} "
    f"WHEN OLD.worker_id IS NOT NEW.worker_id BEGIN "
    f"UPDATE {TABLE} SET unit_id = {_SQLITE_WORKER_UNIT} WHERE id = NEW.id; END;",
    f"CREATE TRIGGER workers_worker_unit_moves AFTER UPDATE OF unit_id ON {WORKERS} "
    f"WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN "
    f"UPDATE {TABLE} SET unit_id = NEW.unit_id WHERE worker_id = NEW.id; END;",
]
_SQLITE_UNIT_DROP = [f"DROP TRIGGER IF EXISTS {name};" for name in (
    "workers_statuschange_unit_insert", "workers_statuschange_unit_update", "workers_worker_unit_moves")]

# Every change's unit from its worker (the fill of the migration, and --rebuild).
_FILL_UNITS = (f"UPDATE {TABLE} SET unit_id = (SELECT w.unit_id FROM {WORKERS} w WHERE w.id = {TABLE}.worker_id) "
               f"WHERE unit_id IS NULL OR unit_id <> (SELECT w.unit_id FROM {WORKERS} w WHERE w.id = {TABLE}.worker_id)")
_PG_FILL_UNITS = (f"UPDATE {TABLE} s SET unit_id = w.unit_id FROM {WORKERS} w WHERE w.id = s.worker_id "
                  f"AND s.unit_id IS DISTINCT FROM w.unit_id")


def fill_units_and_install(schema_editor) -> None:
    """Every change's unit from its worker, then the triggers that keep it (migration ``workers.0019``)."""
    run_per_vendor(schema_editor, {
        # The stays' statement trigger would compare every row of the UPDATE to find a moved change: none moves.
        "postgresql": [f"ALTER TABLE {TABLE} DISABLE TRIGGER workers_statuschange_stays_update", _PG_FILL_UNITS,
                       f"ALTER TABLE {TABLE} ENABLE TRIGGER workers_statuschange_stays_update", _PG_UNIT],
        "sqlite": [_FILL_UNITS, *_SQLITE_UNIT],
    }, what="status-change unit triggers")


def drop_unit_triggers(schema_editor) -> None:
    run_per_vendor(schema_editor, {"postgresql": [_PG_UNIT_DROP], "sqlite": _SQLITE_UNIT_DROP},
                   what="status-change unit triggers")


def status_units_differences(using_connection=None) -> int:
    """The status changes whose unit is not their worker's."""
    conn = using_connection or connection
    distinct = is_distinct(conn.vendor, "s.unit_id", "w.unit_id")
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE} s JOIN {WORKERS} w ON w.id = s.worker_id WHERE {distinct}")
        return int(cursor.fetchone()[0])


def status_units_rebuild() -> int:
    """Give every status change its worker's unit; the number of rows changed."""
    with connection.cursor() as cursor:
        cursor.execute(_PG_FILL_UNITS if connection.vendor == "postgresql" else _FILL_UNITS)
        return cursor.rowcount
