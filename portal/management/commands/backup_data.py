from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_database


class Command(BaseCommand):
    help = "Back the whole database up into one file (pg_dump on PostgreSQL, SQLite's backup API otherwise)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The backup file to write.")

    def handle(self, *args, out, **options):
        try:
            path = backup_database(Path(out))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written: {path} ({path.stat().st_size} bytes)")
