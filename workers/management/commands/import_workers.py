from __future__ import annotations

from portal.importing import ImportCommand, add_structure_argument
from workers.importers import import_workers


class Command(ImportCommand):
    help = ("Import workers from an .xlsx sheet (headers: see README, “Worker import sheet”). "
            "All-or-nothing; importing the same file twice changes nothing.")
    result_label = "Workers"

    def add_import_arguments(self, parser):
        add_structure_argument(parser, date_rule="the row's departure date, else today")
        parser.add_argument("--accept-duplicates", action="store_true",
                            help="save likely duplicates (same name, date of birth and unit, another citizen ID)")

    def run_import(self, data, user, options):
        return import_workers(data, user=user, accept_duplicates=options["accept_duplicates"],
                              structure=options["structure"])
