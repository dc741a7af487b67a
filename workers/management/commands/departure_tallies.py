"""departure_tallies [--check | --rebuild]

Recompute every departure tally (``workers.DepartureTally``: departures per unit, month, country and programme,
kept by the database) from the departures and compare it with the stored one (``workers.tallies``). ``--check``
(the default) prints the counts and exits 1 when a row differs; ``--rebuild`` writes the recomputed tallies (in one
transaction) and checks again.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal import cache_version
from workers.tallies import departure_tallies_differences, departure_tallies_rebuild


class Command(BaseCommand):
    help = "Recompute the departure tallies from the departures and prove them equal."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--check", action="store_true", help="compare only (default)")
        group.add_argument("--rebuild", action="store_true", help="write the recomputed tallies")

    def handle(self, *args, **options):
        if options["rebuild"]:
            written = departure_tallies_rebuild()
            cache_version.bump()
            self.stdout.write(f"Rebuilt: {written} tally rows written.")
        total, differing = departure_tallies_differences()
        self.stdout.write(f"{total} departure tallies, {differing} differ from the departures.")
        if differing:
            raise CommandError(f"{differing} departure tallies differ: run departure_tallies --rebuild.")
