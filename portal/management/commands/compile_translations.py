from __future__ import annotations

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogs() -> list[Path]:
    """Every .po of the project: ``LOCALE_PATHS`` and the ``locale/`` folder of each of the project's apps (an app
    may keep the translations of its own strings beside its code)."""
    folders = [Path(folder) for folder in settings.LOCALE_PATHS]
    folders += [Path(config.path) / "locale" for config in apps.get_app_configs()
                if Path(config.path).parent == Path(settings.BASE_DIR)]
    return sorted(po for folder in folders if folder.is_dir() for po in folder.glob("*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile every django.po of the project (locale/ and the apps' locale/) into .mo with polib (no GNU gettext needed)."

    def handle(self, *args, **options):
        problems = []
        for po_path in catalogs():
            catalog = polib.pofile(str(po_path))
            untranslated = [e.msgid for e in catalog.untranslated_entries() + catalog.fuzzy_entries()]
            if untranslated:
                problems.append(f"{po_path}: {len(untranslated)} untranslated or fuzzy, e.g. {untranslated[0]!r}")
            catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"{po_path.with_suffix('.mo')}: {len(catalog.translated_entries())} messages")
        if problems:
            raise CommandError("\n".join(problems))
