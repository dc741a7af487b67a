"""The cache of figures is shared by every process of one database, and by no other database."""
from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

SCRIPT = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; django.setup(); "
          "from django.conf import settings as s; from portal import cache_version as v; "
          "import sys; before = v.current(); "
          "sys.argv[1:] == ['bump'] and v.bump(); "
          "print(s.CACHES['default']['BACKEND'].rsplit('.', 1)[1], before, v.current())")


def run(tmp_path, database: str, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL")}
    env |= {"CACHE_DIR": str(tmp_path / "cache"), "SQLITE_PATH": str(tmp_path / database)}
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], env=env, cwd=settings.BASE_DIR, capture_output=True,
                          text=True, check=True).stdout.split()


class SharedCacheTests:
    def test_a_write_in_one_process_reaches_the_next_request_of_another(self, tmp_path):
        backend, _before, version = run(tmp_path, "a.sqlite3")
        assert backend == "ResilientFileBasedCache"  # files shared by every process; errors are misses
        assert run(tmp_path, "a.sqlite3")[1] == version  # a second process reads the same version
        _backend, before, bumped = run(tmp_path, "a.sqlite3", "bump")  # e.g. an import on the command line
        assert before == version and int(bumped) > int(version)
        assert run(tmp_path, "a.sqlite3")[1] == bumped  # the server's next request misses its cached figures

    def test_two_databases_never_share_an_entry(self, tmp_path):
        version_a = run(tmp_path, "a.sqlite3")[2]
        version_b = run(tmp_path, "b.sqlite3")[2]
        assert version_a != version_b
        assert run(tmp_path, "a.sqlite3")[2] == version_a and run(tmp_path, "b.sqlite3")[2] == version_b
