"""The lists' order (``portal.collation``: Vietnamese alphabetical, ``name_key COLLATE vi_icu`` then the key) as an
index, on PostgreSQL only: a page of a province's list walks it until 50 workers of the province turn up, reading
the unit from the index too, instead of sorting the whole province (measured at 1 M workers: 119 ms to 4 ms). Not on
SQLite: an index there would name the collation the portal registers on its own connections, and a copy of the file
opened elsewhere (a backup being checked) could not be read."""
from django.db import migrations

INDEX = "worker_name_vi"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {INDEX} ON workers_worker ((name_key COLLATE "vi_icu"), id, '
                              'unit_id)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0010_report_job_national'),
        ('workers', '0019_status_change_unit'),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
