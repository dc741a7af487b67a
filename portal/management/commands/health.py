"""``manage.py health``: one line per service the portal relies on; exit status 1 when one is down."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.health import run_checks


class Command(BaseCommand):
    help = "Check the database, cache, broker, worker, disk space of the report files and the periodic sweep."

    def handle(self, *args, **options):
        checks = run_checks()
        width = max(len(check.name) for check in checks)
        for check in checks:
            line = f"{check.name:<{width}}  {check.status:<8}  {check.detail}"
            self.stdout.write(line if check.healthy else self.style.ERROR(line))
        failed = [check.name for check in checks if not check.healthy]
        if failed:
            self.stderr.write(f"Unhealthy: {', '.join(failed)}")
            raise SystemExit(1)
