"""``manage.py generate_synthetic``: fill an EMPTY registry with synthetic national data.

Composes the apps through ``scale.synthetic`` (tooling).
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.units_loader import UnitDataError
from scale.synthetic import Options, RegistryNotEmpty, generate, parse_years


class Command(BaseCommand):
    help = ("Generate deterministic synthetic data (units of the 63 legacy provinces or the chosen ones, quotas, "
            "enterprises, workers, departures, returns, monthly figures, outreach) for benchmarks. "
            "Refuses to run on a database that already holds workers.")

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=20_000, help="Number of workers (default 20,000).")
        parser.add_argument("--years", default="2016-2025", help="Years of registration and departure (2016-2025).")
        parser.add_argument("--province", action="append", dest="provinces", metavar="CODE",
                            help="Legacy province code (repeatable). Omit for all 63 provinces.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--batch", type=int, default=5000, help="Workers per bulk write (default 5,000).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, workers, years, provinces, seed, batch, no_progress, **options):
        try:
            first, last = parse_years(years)
            summary = generate(
                Options(workers=workers, first_year=first, last_year=last, provinces=provinces, seed=seed,
                        batch=batch, progress=not no_progress and options.get("verbosity", 1) > 0),
                out=self.stdout.write)
        except (RegistryNotEmpty, UnitDataError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
