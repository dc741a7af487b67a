from __future__ import annotations

from portal.importing import ImportCommand, add_structure_argument
from targets.importers import import_monthly


class Command(ImportCommand):
    help = "Import and submit monthly figures (columns Mã đơn vị, Tháng, one per indicator). All or nothing."

    def add_import_arguments(self, parser):
        add_structure_argument(parser, date_rule="the row's month")

    def run_import(self, data, user, options):
        return import_monthly(data, user=user, structure=options["structure"])
