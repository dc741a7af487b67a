from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.importing import command_user
from portal.scoping import user_unit
from portal.unit_codes import UnitCodeError, resolve_unit_code
from workers.models import Status
from workers.selectors import (
    WorkerFilters,
    sees_personal_data,
    worker_export_rows,
    worker_list,
)
from workers.services import access_log_export
from workers.workbooks import write_workers_workbook


class Command(BaseCommand):
    help = "Write the (filtered) worker list to an .xlsx file, through the same selector as the screen."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument("--unit", help="only this unit's code and the units below it")
        parser.add_argument("--status", choices=Status.values)
        parser.add_argument("--user", help="export as this user, within their scope (default: an administrator)")

    def handle(self, *args, **options):
        user = command_user(options["user"])
        filters = WorkerFilters(status=options["status"] or "")
        if options["unit"]:
            scope_unit = user_unit(user)
            try:
                filters.unit = resolve_unit_code(options["unit"], user=user,
                                                 structure=scope_unit.structure if scope_unit else None)
            except UnitCodeError as exc:
                raise CommandError(str(exc)) from None
        workers = worker_list(user, filters)
        with open(options["out"], "wb") as out:
            count = write_workers_workbook(worker_export_rows(workers), out, full=sees_personal_data(user))
        if sees_personal_data(user):
            access_log_export(user=user, query=f"export_workers status={options['status'] or ''} "
                                                f"unit={options['unit'] or ''}", rows=count, unit=filters.unit)
        self.stdout.write(f"Wrote {count} workers to {options['out']}")
