"""status_intervals [--check | --rebuild]

Recompute every status change's ``ended_at`` (when the worker left that status: their next change) from the
timeline and compare it with the stored one, and every change's unit with its worker's (``workers.intervals``). ``--check`` (the default) prints the counts
and exits 1 when a row differs; ``--rebuild`` writes the recomputed values (in one transaction) and checks again.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import cache_version
from workers.intervals import (
    status_intervals_differences,
    status_intervals_rebuild,
    status_units_differences,
    status_units_rebuild,
)


class Command(BaseCommand):
    help = "Recompute the status stays (StatusChange.ended_at) from the timelines and prove them equal."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--check", action="store_true", help="compare only (default)")
        group.add_argument("--rebuild", action="store_true", help="write the recomputed values")

    def handle(self, *args, **options):
        if options["rebuild"]:
            with transaction.atomic():
                changed = status_intervals_rebuild()
                moved = status_units_rebuild()
            if changed or moved:
                cache_version.bump()
            self.stdout.write(f"Rebuilt: {changed} status changes corrected.")
            self.stdout.write(f"Rebuilt: {moved} status changes given their worker's unit.")
        total, differing = status_intervals_differences()
        self.stdout.write(f"{total} status changes, {differing} differ from their timeline.")
        wrong_units = status_units_differences()
        self.stdout.write(f"{wrong_units} status changes have another unit than their worker.")
        if differing:
            raise CommandError(f"{differing} status changes have a wrong ended_at: run status_intervals --rebuild.")
        if wrong_units:
            raise CommandError(f"{wrong_units} status changes have another unit than their worker: run "
                               "status_intervals --rebuild.")
