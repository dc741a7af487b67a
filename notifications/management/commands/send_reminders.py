from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notifications.reminders import reminders_send
from portal.formats import parse_date


class Command(BaseCommand):
    help = ("Compute the due and overdue items of the day, create the notifications nobody got yet and send the "
            "day's e-mail digests; prints “N reminders to M users”. Running it twice the same day sends nothing new.")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to compute for, DD/MM/YYYY (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="count only: nothing is saved or sent")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = parse_date(options["today"])
            except ValueError:
                raise CommandError(f"--today {options['today']!r}: give the day as DD/MM/YYYY.") from None
        result = reminders_send(today=today, dry_run=options["dry_run"])
        self.stdout.write(result.line)
        if result.busy:
            self.stderr.write("Another run of send_reminders is under way: this one did nothing.")
        elif result.dry_run:
            self.stdout.write("Dry run: nothing was saved or sent.")
        elif result.mail is not None and (result.mail.sent or result.mail.failed or result.mail.waiting):
            self.stdout.write(f"E-mail digests: {result.mail.sent} sent, {result.mail.failed} failed, "
                              f"{result.mail.waiting} left for the next run")
