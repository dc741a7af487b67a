from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from portal import cache_version, invalidation
from portal.demo import DEMO_PASSWORD, load_demo_accounts, load_demo_units, progress_bars
from portal.formats import format_decimal
from portal.units_loader import UnitDataError


# What each demo loader of settings.DEMO_LOADERS loads, as the command says it (a loader not named here is
# shown by its dotted name).
def step_labels() -> dict[str, str]:
    return {
        "targets.demo.load": _("Loading quotas, plans and the monthly figures of Ninh Thuận's districts (to 06/2025)"),
        "targets.reform_demo.load": _("Loading Khánh Hòa's 2026 plan allocated to its communes"),
        "notifications.demo.load": _("Loading the reminders"),
        "workers.demo.load": _("Loading the registry: workers, departures and returns"),
        "workers.aftercare.demo.load": _("Loading contracts, absconding and returnees' follow-ups"),
        "support.demo.load": _("Loading support policies, payments and loans"),
        "outreach.demo.load": _("Loading outreach campaigns, events and leads"),
        "complaints.demo.load": _("Loading complaints and fraud cases"),
        "training.demo.load": _("Loading training classes and the pre-departure checklist"),
        "targets.goals_demo.load": _("Loading coverage goals and labour-source targets"),
        "targets.rules_demo.load": _("Loading validation rules, usual ranges and an unusual figure"),
        "history.demo.load": _("Loading the history before going live"),
        "reports.figures_demo.load": _("Loading the monthly figures of Khánh Hòa's communes since 07/2025"),
        "reports.demo.load": _("Computing the monthly progress snapshots"),
        "accounts.demo.load": _("Creating Khánh Hòa's accounts"),
    }


class Command(BaseCommand):
    help = ("Load the demo (Ninh Thuận's legacy districts up to 30/06/2025, Khánh Hòa's 2025 structure since), "
            "the demo accounts and each app's demo data, saying what each step does. Safe to run again.")

    def handle(self, *args, **options):
        self.started = time.monotonic()
        steps = [(_("Loading the administrative units (Ninh Thuận before the reform, Khánh Hòa after)"),
                  self._units),
                 (_("Creating the demo accounts"), self._accounts)]
        for dotted in getattr(settings, "DEMO_LOADERS", []):
            loader = import_string(dotted)
            label = step_labels().get(dotted) or _("Loading %(loader)s") % {"loader": dotted}
            steps.append((str(label), loader))
        self.stdout.write(_("Loading the demo into %(database)s: %(count)s steps")
                          % {"database": _database(), "count": len(steps)})
        # Cached figures are forgotten once at the end rather than after each of thousands of writes.
        with cache_version.paused(), invalidation.deferred(), progress_bars(self._bar):
            for number, (label, step) in enumerate(steps, start=1):
                self.stdout.write(f"[{number}/{len(steps)}] {label} …")
                self.stdout.flush()
                began = time.monotonic()
                with transaction.atomic():  # one commit per step: SQLite's commit waits for the disk
                    result = step()
                self.stdout.write(f"      {result} ({_seconds(time.monotonic() - began)})")
        self.stdout.write(self.style.SUCCESS(
            _("Demo loaded in %(seconds)s. Accounts: see README.md (password %(password)s).")
            % {"seconds": _seconds(time.monotonic() - self.started), "password": DEMO_PASSWORD}))

    def _units(self) -> str:
        try:
            return load_demo_units()
        except UnitDataError as exc:
            raise CommandError(str(exc)) from exc

    def _accounts(self) -> str:
        created = load_demo_accounts()
        if created:
            return _("accounts created: %(names)s (password %(password)s)") % {
                "names": ", ".join(created), "password": DEMO_PASSWORD}
        return _("accounts already there, passwords left as they are")

    def _bar(self, iterable, *, total=None, desc=""):
        from tqdm import tqdm

        # On a terminal only (a log file gets the step lines, not a bar redrawn with \r).
        return tqdm(iterable, total=total, desc=f"      {desc}", leave=False, mininterval=0.5,
                    disable=None, file=self.stderr._out, dynamic_ncols=True)


def _seconds(value: float) -> str:
    return f"{format_decimal(value, 1)} s"


def _database() -> str:
    name = connection.settings_dict["NAME"]
    return f"{connection.vendor} {name}"
