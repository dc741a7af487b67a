from __future__ import annotations

import os
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)


def table_counts_here() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def district_commune_counts_here() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(REPORT_SQL)
        return [tuple(r) for r in cursor.fetchall()]


# A report-like aggregate: communes per district, the same query on both sides.
REPORT_SQL = (
    "SELECT p.code, COUNT(c.id) FROM portal_unit p JOIN portal_unit c ON c.parent_id = p.id "
    "WHERE p.level = 'district' GROUP BY p.code ORDER BY p.code"
)


class BackupRestoreTests:
    def test_a_backup_restores_into_an_empty_database_with_the_same_numbers(self, units, users, tmp_path):
        backup = tmp_path / "portal.dump"
        call_command("backup_data", "--out", str(backup))
        assert backup.stat().st_size > 0
        expected_counts = table_counts_here()
        expected_report = district_commune_counts_here()
        assert expected_counts["portal_unit"] == Unit.objects.count() > 0

        if connection.vendor == "sqlite":
            target = tmp_path / "restored.sqlite3"
            call_command("restore_data", str(backup), "--into", str(target))
            restored = sqlite3.connect(target)
            counts = {t: restored.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in expected_counts}
            report = [tuple(r) for r in restored.execute(REPORT_SQL).fetchall()]
            restored.close()
        else:
            import psycopg2

            settings_dict = connection.settings_dict
            name = f"portal_restore_{os.getpid()}"
            params = {k.lower(): settings_dict[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if settings_dict.get(k)}
            admin = psycopg2.connect(dbname="postgres", **params)
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}"')
            try:
                call_command("restore_data", str(backup), "--into", name)
                restored = psycopg2.connect(dbname=name, **params)
                with restored.cursor() as cursor:
                    counts = {}
                    for table in expected_counts:
                        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                        counts[table] = cursor.fetchone()[0]
                    cursor.execute(REPORT_SQL)
                    report = [tuple(r) for r in cursor.fetchall()]
                restored.close()
            finally:
                with admin.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                admin.close()
        assert counts == expected_counts
        assert report == expected_report
        assert dict(report)["585"] == units.a.children.count()

    def test_restore_refuses_a_database_that_is_not_empty(self, units, tmp_path):
        backup = tmp_path / "portal.dump"
        call_command("backup_data", "--out", str(backup))
        target = None if connection.vendor == "postgresql" else str(backup)  # the live DB, or an existing file
        args = [str(backup)] + (["--into", target] if target else [])
        with pytest.raises(CommandError, match="empty|exists"):
            call_command("restore_data", *args)

    def test_a_missing_backup_file_is_one_clear_error(self, tmp_path):
        with pytest.raises(CommandError, match="No such backup file"):
            call_command("restore_data", str(tmp_path / "nothing.dump"), "--into", str(tmp_path / "x.sqlite3"))
