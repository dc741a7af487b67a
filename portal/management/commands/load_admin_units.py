from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.models import Structure
from portal.units_loader import UnitDataError, load_units


class Command(BaseCommand):
    help = "Load provinces, districts and communes from the vietnamadminunits package (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", dest="provinces", metavar="CODE",
                            help="Province code (repeatable). Omit to load every province.")
        parser.add_argument("--structure", choices=Structure.values, default=Structure.LEGACY,
                            help="legacy: 63 provinces with districts; 2025: 34 provinces, no districts.")

    def handle(self, *args, provinces, structure, **options):
        try:
            result = load_units(structure=structure, province_codes=provinces)
        except UnitDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Units ({structure}): {result}")
