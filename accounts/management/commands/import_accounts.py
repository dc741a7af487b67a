"""``manage.py import_accounts FILE.xlsx [--dry-run] [--user USERNAME]``: accounts in bulk, as the upload screen.

The file is checked whole; with ``--dry-run`` nothing is created. Otherwise every account is created (or none),
those with an e-mail receive their one-time link, and the one-time codes of the others are printed, one per line,
to hand out on paper.
"""
from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from accounts.importers import import_accounts
from portal.importing import ImportCommand
from portal.scoping import manages_accounts


class Command(ImportCommand):
    help = "Create accounts in bulk from an .xlsx sheet (username, full name, e-mail, phone, unit code, role)."
    result_label = "Imported"

    def user_may_import(self, user) -> bool:
        return manages_accounts(user)

    def run_import(self, data: bytes, user, options: dict):
        outcome = import_accounts(data, by=user, base_url=settings.PORTAL_BASE_URL, dry_run=options["dry_run"])
        if options["dry_run"]:
            return outcome  # the base command prints what it would create (``portal.uploads.summary_line``)
        for delivery in outcome.deliveries:
            if delivery.code:
                expires = timezone.localtime(delivery.expires_at).strftime("%d/%m/%Y %H:%M")
                self.stdout.write(f"{delivery.user.username}\t{delivery.code}\t{expires}")
        return (f"{len(outcome.created)} accounts created ({outcome.emailed} e-mailed a one-time link, "
                f"{outcome.coded} with a one-time code)")
