from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, restore_database


class Command(BaseCommand):
    help = "Restore a backup into an EMPTY database (the configured one, or --into NAME/PATH)."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup file written by backup_data.")
        parser.add_argument("--into", dest="target", help="Database name (PostgreSQL) or file (SQLite) to restore into.")

    def handle(self, *args, backup, target, **options):
        try:
            restore_database(Path(backup), target_name=target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {backup}")
