"""``manage.py sync_translations``: bring every catalog of the project up to date with the code, keeping every
Vietnamese already written.

`makemessages` files a message in the catalog of the folder it is found in (an app's own ``locale/``, else the
project's): when a string moves between folders, or an app gets its own catalog, its translation is left behind in
the other catalog. This command remembers every translation of every catalog, runs `makemessages` (needs GNU
gettext), fills each entry left without Vietnamese from what it remembered, and compiles every catalog. It prints
the messages still without Vietnamese (to translate by hand), and exits non-zero while there are some.
"""
from __future__ import annotations

import polib
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.management.commands.compile_translations import catalogs


def _known() -> dict[tuple[str | None, str], polib.POEntry]:
    known = {}
    for path in catalogs():
        for entry in polib.pofile(str(path)).translated_entries():
            known.setdefault((entry.msgctxt, entry.msgid), entry)
    return known


class Command(BaseCommand):
    help = "Run makemessages for Vietnamese and carry every existing translation over to where it now belongs."

    def handle(self, *args, **options):
        known = _known()
        call_command("makemessages", locale=["vi"], ignore_patterns=[".venv", "tests", "var", "media"],
                     no_obsolete=True, verbosity=0)
        missing = []
        for path in catalogs():
            catalog = polib.pofile(str(path))
            for entry in [*catalog.untranslated_entries(), *catalog.fuzzy_entries()]:
                source = known.get((entry.msgctxt, entry.msgid))
                if source is None:
                    missing.append(entry.msgid)
                    continue
                entry.msgstr = source.msgstr
                entry.msgstr_plural = dict(source.msgstr_plural)
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            catalog.save()
        if not missing:
            call_command("compile_translations", stdout=self.stdout)
        else:
            raise CommandError(f"{len(missing)} message(s) without Vietnamese (translate them in the catalog "
                               f"makemessages chose, then run compile_translations): {sorted(set(missing))[:20]}")
