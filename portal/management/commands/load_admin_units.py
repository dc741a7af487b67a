from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import Structure
from portal.units_loader import UnitDataError, link_structures, load_units, provinces_in_both


class Command(BaseCommand):
    help = "Load provinces, districts and communes from the vietnamadminunits package (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", dest="provinces", metavar="CODE",
                            help="Province code (repeatable). Omit to load every province.")
        parser.add_argument("--structure", choices=[*Structure.values, "both"], default=Structure.LEGACY,
                            help="legacy: 63 provinces with districts; 2025: 34 provinces, no districts; "
                                 "both: a province in the two structures side by side, with its predecessors or "
                                 "successor, and the official old-to-new mapping.")

    def handle(self, *args, provinces, structure, **options):
        try:
            if structure == "both":
                legacy, new = provinces_in_both(provinces)
                plan = [(Structure.LEGACY, legacy), (Structure.NEW, new)]
            else:
                plan = [(structure, provinces)]
            with transaction.atomic():
                for name, codes in plan:
                    result = load_units(structure=name, province_codes=codes)
                    self.stdout.write(f"Units ({name}): {result}")
                self.stdout.write(f"2025 mapping: {link_structures()}")
        except UnitDataError as exc:
            raise CommandError(str(exc)) from exc
