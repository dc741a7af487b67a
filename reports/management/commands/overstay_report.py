"""overstay_report --programme KR-EPS --as-of DD/MM/YYYY [--unit CODE [--structure legacy|2025]] [--out F.xlsx]
[--min-stayers N --min-rate R --window-from DD/MM/YYYY [--strict-rate] [--strict-stayers]] [--user U]

Prints one line per unit at risk (both thresholds reached), tab-separated: its official code, the workers staying
illegally, the rate not returned on time (Vietnamese formats: 1.274 and 28,5%), then its name; and writes the
workbook of every unit when ``--out`` is given.

The rule is the programme's in the data (the one of the as-of year, else the latest earlier one), or the one
given on the command line: ``--min-stayers N --min-rate R --window-from DD/MM/YYYY`` (R in per cent, e.g. 28;
the window ends at the as-of date; thresholds inclusive unless ``--strict-…``).
"""
from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import formats
from portal.importing import command_user
from portal.models import Structure, Unit
from portal.scoping import user_unit
from portal.unit_codes import UnitCodeError, UnitResolver
from reports.aftercare.overstay import overstay_report, rule_for
from reports.aftercare.workbooks import write_overstay_workbook
from reports.forms import report_units
from workers.models import Programme
from workers.overstay import Thresholds

TYPED = ("min_stayers", "min_rate", "window_from")


class Command(BaseCommand):
    help = "Print the units at risk of a suspension rule (both thresholds reached) and write the workbook."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="programme code, e.g. KR-EPS")
        parser.add_argument("--as-of", dest="as_of", required=True, help="the day the stayers are counted, dd/mm/yyyy")
        parser.add_argument("--unit", help="unit code (default: the user's unit)")
        parser.add_argument("--structure", choices=Structure.values,
                            help="the structure of --unit (default: the one in force on the as-of date)")
        parser.add_argument("--out", help="the .xlsx file to write")
        parser.add_argument("--min-stayers", dest="min_stayers", type=int, help="threshold: workers staying illegally")
        parser.add_argument("--min-rate", dest="min_rate", help="threshold: per cent not returned on time, e.g. 28")
        parser.add_argument("--window-from", dest="window_from",
                            help="first day of the window of contracts ended, dd/mm/yyyy (it ends at --as-of)")
        parser.add_argument("--strict-rate", dest="strict_rate", action="store_true",
                            help="the rate must be above the threshold (default: at least)")
        parser.add_argument("--strict-stayers", dest="strict_stayers", action="store_true",
                            help="the number must be above the threshold (default: at least)")
        parser.add_argument("--user", help="run with this user's scope (default: an administrator)")

    def handle(self, *args, **options):
        user = command_user(options["user"])
        as_of = self._date(options["as_of"], "--as-of")
        programme = Programme.objects.filter(code__iexact=options["programme"].strip()).first()
        if programme is None:
            raise CommandError(f"Unknown programme {options['programme']!r}.")
        out = Path(options["out"]) if options["out"] else None
        if out is not None and (out.suffix.lower() != ".xlsx" or not out.parent.exists()):
            raise CommandError(f"--out must name an .xlsx file in an existing folder, not {out}.")
        thresholds, rule = self._thresholds(options, programme, as_of)
        unit = self._unit(user, options["unit"], options["structure"], as_of)
        report = overstay_report(unit=unit, programme=programme, thresholds=thresholds, as_of=as_of, rule=rule)
        for row in report.at_risk:
            self.stdout.write("\t".join([row.code, formats.format_int(row.stayers), formats.format_percent(row.rate),
                                         row.name]))
        if out is not None:
            buffer = io.BytesIO()
            write_overstay_workbook(report, buffer)
            out.write_bytes(buffer.getvalue())
            self.stderr.write(f"Written {out}.")
        self.stderr.write(f"{len(report.at_risk)} unit(s) at risk, {len(report.close)} close, of {len(report.rows)}.")

    def _date(self, text: str, flag: str):
        try:
            return formats.parse_date(text)
        except ValueError:
            raise CommandError(f"{flag} must be a date written dd/mm/yyyy, e.g. 29/02/2020.") from None

    def _thresholds(self, options, programme: Programme, as_of):
        given = [name for name in TYPED if options[name] is not None]
        if given and len(given) < len(TYPED):
            raise CommandError("Give --min-stayers, --min-rate and --window-from together (or none: the rule in the "
                               "data).")
        if not given:
            rule = rule_for(programme, as_of)
            if rule is None:
                raise CommandError(f"No rule of {programme.code} for {as_of.year} or before: enter it, or give "
                                   "--min-stayers, --min-rate and --window-from.")
            return Thresholds.of(rule), rule
        try:
            rate = formats.parse_decimal(options["min_rate"].rstrip("%"))
        except (ValueError, InvalidOperation):
            raise CommandError("--min-rate is a percentage, e.g. 28 or 28,5.") from None
        if not Decimal(0) <= rate <= Decimal(100):
            raise CommandError("--min-rate is a percentage between 0 and 100.")
        if options["min_stayers"] < 0:
            raise CommandError("--min-stayers cannot be negative.")
        window_from = self._date(options["window_from"], "--window-from")
        if window_from > as_of:
            raise CommandError("--window-from is after --as-of.")
        return Thresholds(programme_id=programme.pk, min_stayers=options["min_stayers"], min_rate=rate,
                          window_from=window_from, window_to=as_of, stayers_inclusive=not options["strict_stayers"],
                          rate_inclusive=not options["strict_rate"]), None

    def _unit(self, user, code: str | None, structure: str | None, as_of) -> Unit:
        allowed = report_units(user)
        if not code:
            unit = user_unit(user) or allowed.filter(parent__isnull=True).first()
            if unit is None:
                raise CommandError("The user has no unit: give --unit.")
            return unit
        try:
            unit = UnitResolver([code], structure=structure).resolve(code, on_date=as_of)
        except UnitCodeError:
            raise CommandError(f"Unknown unit {code!r}, or outside the scope of this user.") from None
        if not allowed.filter(pk=unit.pk).exists():
            raise CommandError(f"Unknown unit {code!r}, or outside the scope of this user.")
        return unit
