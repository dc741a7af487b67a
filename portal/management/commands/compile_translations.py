from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po into .mo with polib (no GNU gettext needed)."

    def handle(self, *args, **options):
        problems = []
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalog = polib.pofile(str(po_path))
                untranslated = [e.msgid for e in catalog.untranslated_entries() + catalog.fuzzy_entries()]
                if untranslated:
                    problems.append(f"{po_path}: {len(untranslated)} untranslated or fuzzy, e.g. {untranslated[0]!r}")
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"{po_path.with_suffix('.mo')}: {len(catalog.translated_entries())} messages")
        if problems:
            raise CommandError("\n".join(problems))
