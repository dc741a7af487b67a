"""The version of the unit tree, kept by the database (PostgreSQL): every statement that writes the units or their
2025 successions (``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE``, however it is sent: the ORM, a bulk load, raw
SQL) sets the one row of ``portal_unit_tree_version`` to a new number from a sequence. The row is transactional (a
reader sees a new version only once the write is committed, with the units it wrote) and the numbers are never
given twice (a rolled-back write leaves a number no committed tree will ever have), so ``portal.tree`` can keep the
trees it built under the version read before building them. SQLite (the embedded demo) keeps no version: its trees
are built for each report.
"""
from django.db import migrations

from portal.db import run_per_vendor

TABLES = ("portal_unit", "portal_unitsuccession")

INSTALL = {
    "postgresql": [
        "CREATE SEQUENCE portal_unit_tree_version_seq",
        "CREATE TABLE portal_unit_tree_version (id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
        "INSERT INTO portal_unit_tree_version VALUES (1, nextval('portal_unit_tree_version_seq'))",
        """CREATE FUNCTION portal_unit_tree_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO portal_unit_tree_version (id, version) VALUES (1, nextval('portal_unit_tree_version_seq'))
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
            RETURN NULL;
        END $$""",
        *(f"CREATE TRIGGER {table}_tree_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
          f"FOR EACH STATEMENT EXECUTE FUNCTION portal_unit_tree_changed()" for table in TABLES),
    ],
    "sqlite": [],
}

DROP = {
    "postgresql": [
        *(f"DROP TRIGGER IF EXISTS {table}_tree_changed ON {table}" for table in TABLES),
        "DROP FUNCTION IF EXISTS portal_unit_tree_changed()",
        "DROP TABLE IF EXISTS portal_unit_tree_version",
        "DROP SEQUENCE IF EXISTS portal_unit_tree_version_seq",
    ],
    "sqlite": [],
}


def install(apps, schema_editor):
    run_per_vendor(schema_editor, INSTALL, what="unit tree version")


def drop(apps, schema_editor):
    run_per_vendor(schema_editor, DROP, what="unit tree version")


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0010_report_job_national"),
    ]

    operations = [migrations.RunPython(install, drop)]
