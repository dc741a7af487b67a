from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from complaints import selectors
from complaints.workbooks import case_cells, write_cases_workbook
from portal.importing import command_user
from workers.services import today


class Command(BaseCommand):
    help = ("Export the complaint cases a user may see to an .xlsx file (the import sheet's columns, the "
            "complainant hidden where the user may not see it).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument("--user", help="export as this user, within their scope (default: an administrator)")

    def handle(self, *args, **options) -> None:
        user = command_user(options["user"])
        day = today()
        cases = selectors.case_list(user, today=day)
        rows = (case_cells(item, today=day) for item in selectors.case_export_rows(user, cases))
        with Path(options["out"]).open("wb") as out:
            count = write_cases_workbook(rows, out)
        self.stdout.write(f"Cases exported: {count} to {options['out']}")
