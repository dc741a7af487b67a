from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from portal.demo import DEMO_PASSWORD, load_demo_accounts, load_demo_units
from portal.units_loader import UnitDataError


class Command(BaseCommand):
    help = "Load the demo province (Ninh Thuận, legacy structure), the demo accounts and each app's demo data. Safe to run again."

    def handle(self, *args, **options):
        try:
            self.stdout.write(f"Units: {load_demo_units()}")
        except UnitDataError as exc:
            raise CommandError(str(exc)) from exc
        created = load_demo_accounts()
        if created:
            self.stdout.write(f"Accounts created: {', '.join(created)} (password {DEMO_PASSWORD})")
        else:
            self.stdout.write("Accounts: already there, passwords left as they are")
        for dotted in getattr(settings, "DEMO_LOADERS", []):
            loader = import_string(dotted)
            self.stdout.write(f"{dotted}: {loader()}")
