"""The load test serves like production: gunicorn, DEBUG off, production's settings."""
from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from scale import benchmark


class LoadServerTests:
    def test_the_server_runs_with_production_settings_on_plain_http(self, tmp_path):
        env = benchmark.server_env(secret_key="k" * 64, static_root=str(tmp_path))
        assert (env["DEBUG"], env["ALLOWED_HOSTS"], env["SECURE_SSL_REDIRECT"]) == ("0", "127.0.0.1", "0")
        code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; django.setup(); "
                "from django.conf import settings as s; "
                "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.STATIC_ROOT, "
                "s.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[1])")
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
                             text=True, check=True).stdout.split()
        assert out == ["False", "False", "True", str(tmp_path), "CompressedManifestStaticFilesStorage"]

    def test_gunicorn_is_installed_and_the_server_cpu_is_read_from_proc(self):
        import gunicorn

        assert gunicorn.__version__.startswith("27.")
        seconds = benchmark._server_cpu_seconds(os.getpid())
        assert seconds is None or seconds > 0  # None only where there is no /proc
