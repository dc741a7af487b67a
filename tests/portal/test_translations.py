"""Every string a person reads has its Vietnamese: the messages are extracted from the code and templates as
`makemessages` does, and each must be translated in one of the project's catalogs (locale/ or an app's locale/)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COPIED = ("manage.py", "templates", "locale")


def project_app_dirs() -> list[str]:
    from tests.conftest import project_apps

    return [Path(config.path).name for config in project_apps()]


@pytest.mark.skipif(not shutil.which("msgmerge") or not shutil.which("xgettext"),
                    reason="GNU gettext is not installed (apt-get install -y gettext); .ci/run installs it")
class MessageCoverageTests:
    def test_every_message_in_the_code_and_templates_has_its_vietnamese(self, tmp_path):
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "migrations")
        for name in (*COPIED, *project_app_dirs()):
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, tmp_path / name, ignore=ignore)
            elif source.exists():
                shutil.copy2(source, tmp_path / name)
        result = subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-obsolete", "--no-location"],
            cwd=tmp_path, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path),
                                                              "DJANGO_SETTINGS_MODULE": "portal.settings"})
        assert result.returncode == 0, result.stderr[-2000:]
        extracted = [polib.pofile(str(po)) for po in tmp_path.rglob("vi/LC_MESSAGES/django.po")]
        # Django loads every catalog (locale/ and each app's) into one: a message translated in any of them, as they
        # are in the repository, is translated (an app's catalog may hold the Vietnamese of the strings it added to
        # templates/ or another app, which extraction files under locale/).
        kept = [polib.pofile(str(po)) for name in ("locale", *project_app_dirs())
                for po in (ROOT / name).glob("**/vi/LC_MESSAGES/django.po")]
        translated = {(e.msgctxt, e.msgid) for catalog in (*extracted, *kept) for e in catalog.translated_entries()}
        missing = sorted({e.msgid for catalog in extracted for e in catalog
                          if not e.obsolete and (e.msgctxt, e.msgid) not in translated})
        assert missing == [], f"{len(missing)} message(s) without Vietnamese, e.g. {missing[:10]}"


def test_translation_functions_keep_names_makemessages_knows():
    """`makemessages` finds only `_`, `gettext`, `gettext_lazy`, `ngettext`…: an alias such as `_l` would leave its
    strings out of the catalog, in English, without anyone noticing."""
    import re

    alias = re.compile(r"import\s+(\w*gettext\w*)\s+as\s+(?!_\b)(\w+)")
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for name in project_app_dirs()
             for path in (ROOT / name).rglob("*.py") for match in alias.finditer(path.read_text())]
    assert found == []
