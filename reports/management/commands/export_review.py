"""``manage.py export_review --unit CODE (--year Y [--period h1|9m|q1..q4|mNN] | --from DD/MM/YYYY --to DD/MM/YYYY)
[--structure legacy|2025] [--user USERNAME] --out F.docx``: the review document of a unit for a period."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import formats
from portal.importing import command_user
from portal.models import Structure
from portal.scoping import unit_in_scope
from portal.unit_codes import UnitCodeError, UnitResolver
from reports.progress import Period, PeriodError
from reports.review import PeriodNotStarted, ReviewTemplateError, review_document


class Command(BaseCommand):
    help = "Write the review document (.docx, Decree 30/2020 format) of a unit for a period."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="The unit's official code.")
        parser.add_argument("--year", type=int)
        parser.add_argument("--period", default="year", help="year, h1, 9m, q1..q4, m01..m12 (with --year).")
        parser.add_argument("--from", dest="date_from", help="First day, DD/MM/YYYY (with --to).")
        parser.add_argument("--to", dest="date_to", help="Last day, DD/MM/YYYY (with --from).")
        parser.add_argument("--structure", choices=[Structure.LEGACY, Structure.NEW],
                            help="The structure of --unit when the code exists in both.")
        parser.add_argument("--user", help="Write as this user (their scope applies).")
        parser.add_argument("--out", required=True, help="The .docx file to write.")

    def handle(self, *args, unit, year, period, date_from, date_to, structure, user, out, **options):
        account = command_user(user)
        try:
            found = UnitResolver([unit], structure=structure).resolve(unit)
        except UnitCodeError as exc:
            raise CommandError(str(exc)) from exc
        if account is not None and not unit_in_scope(account, found):
            raise CommandError(f"The unit {unit} is outside the scope of {account.username}.")
        try:
            chosen = Period.parse(year=year, period=period if year else None,
                                  date_from=formats.parse_date(date_from) if date_from else None,
                                  date_to=formats.parse_date(date_to) if date_to else None)
        except (PeriodError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            content = review_document(unit=found, period=chosen, user=account)
        except (PeriodNotStarted, ReviewTemplateError) as exc:
            raise CommandError(str(exc)) from exc
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stdout.write(f"{found.code} {found.name} – {chosen.label}: {path} ({len(content)} bytes)")
