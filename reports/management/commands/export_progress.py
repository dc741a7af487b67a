"""export_progress --out FILE.xlsx (--year Y [--period h1|9m|q1..q4|mMM] | --from DD/MM/YYYY --to DD/MM/YYYY)
[--unit CODE] [--structure legacy|2025] [--source registry|figures] [--user U]

Without ``--unit``: the user's unit; for an administrator (and without ``--user``) the whole country, in the
structure of ``--structure`` or else the one in force on the last day of the period ("toàn quốc" in the sentence).

A unit code names a unit only with its structure (codes were reused by the 2025 reform): without
``--structure`` a code found in both is read in the structure in force on the last day of the period.
A report in either structure counts the other structure's records under the units they map to.

Runs the same report job as the screen (in this process) and prints the review sentence.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal import formats
from portal.jobs import job_create, job_run
from portal.models import JobStatus, Structure, Unit, national_unit
from portal.scoping import sees_everything, user_unit
from portal.tree import national_structure
from portal.unit_codes import UnitCodeError, UnitResolver
from reports.forms import report_units
from reports.progress import SOURCES, Period, PeriodError


class Command(BaseCommand):
    help = "Write the progress workbook of a unit for a period and print the review sentence."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument("--year", type=int, help="the year (with --period), or the first of several years")
        parser.add_argument("--period", help="h1, 9m, q1 to q4, m01 to m12 or year (default: year)")
        parser.add_argument("--last-year", type=int, dest="last_year", help="the last year of a multi-year period")
        parser.add_argument("--from", dest="date_from", help="first day, dd/mm/yyyy")
        parser.add_argument("--to", dest="date_to", help="last day, dd/mm/yyyy")
        parser.add_argument("--unit", help="unit code (default: the user's unit; the whole country for an "
                                           "administrator)")
        parser.add_argument("--structure", choices=[Structure.LEGACY.value, Structure.NEW.value],
                            help="the structure of --unit, or of the whole country (default: the one in force at "
                                 "the end of the period)")
        parser.add_argument("--source", default="registry", help="registry (default) or figures")
        parser.add_argument("--user", help="run with this user's scope (default: an administrator)")

    def handle(self, *args, **options):
        user = self._user(options["user"])
        period = self._period(options)
        if options["source"] not in SOURCES:
            raise CommandError(f"Unknown source {options['source']!r}: use registry or figures.")
        unit = self._unit(user, options["unit"], options["structure"], period)
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"--out must name an .xlsx file, not {out}.")
        if not out.parent.exists():
            raise CommandError(f"The folder {out.parent} does not exist.")

        job = job_create(user=user, unit=unit, kind="progress", enqueue=False, params={
            "period": period.to_params(), "source": options["source"], "label": period.label})
        job = job_run(job.pk)
        if job is None or job.status != JobStatus.DONE:
            raise CommandError(f"The report failed: {job.error if job else 'the job was taken by another worker'}")
        with job.file.open("rb") as source, open(out, "wb") as target:
            shutil.copyfileobj(source, target)
        self.stdout.write(job.result["sentence"])
        self.stderr.write(f"Written {out} (job #{job.pk}).")

    def _user(self, username: str | None):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"Unknown user {username!r}.") from None
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("No administrator exists: give --user.")
        return admin

    def _period(self, options) -> Period:
        try:
            date_from = formats.parse_date(options["date_from"]) if options["date_from"] else None
            date_to = formats.parse_date(options["date_to"]) if options["date_to"] else None
        except ValueError:
            raise CommandError("Dates must be written dd/mm/yyyy, e.g. --from 01/03/2024.") from None
        if (date_from or date_to) and options["period"]:
            raise CommandError("Give either --year with --period, or --from and --to.")
        try:
            return Period.parse(year=options["year"], period=options["period"], date_from=date_from, date_to=date_to,
                                year_to=options["last_year"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from None

    def _unit(self, user, code: str | None, structure: str | None, period: Period) -> Unit:
        allowed = report_units(user)
        if not code:
            unit = user_unit(user)
            if unit is None and sees_everything(user):
                return national_unit(structure or national_structure(period.end))
            if unit is None:
                raise CommandError("The user has no unit: give --unit.")
            if structure and unit.structure != structure:
                raise CommandError("Give --unit with --structure.")
            return unit
        try:
            unit = UnitResolver([code], structure=structure).resolve(code, on_date=period.end)
        except UnitCodeError:
            raise CommandError(f"Unknown unit {code!r}, or outside the scope of this user.") from None
        if not allowed.filter(pk=unit.pk).exists():
            raise CommandError(f"Unknown unit {code!r}, or outside the scope of this user.")
        return unit
