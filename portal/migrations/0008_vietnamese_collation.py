"""The ICU collation ``vi_icu`` on PostgreSQL: names in Vietnamese alphabetical order (portal.collation).
SQLite gets a collation of the same name on each connection (portal.apps)."""
from __future__ import annotations

from django.db import migrations


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE COLLATION IF NOT EXISTS vi_icu (provider = icu, locale = 'vi-VN')")


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP COLLATION IF EXISTS vi_icu")


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_scope_manages_accounts")]

    operations = [migrations.RunPython(create_collation, drop_collation, elidable=False)]
