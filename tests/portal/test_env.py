from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str, env_url

ROOT = Path(__file__).resolve().parents[2]


class EnvHelpersTests:
    def test_booleans_accept_the_usual_words_and_refuse_others(self, monkeypatch):
        for raw, expected in [("1", True), ("TRUE", True), ("yes", True), ("off", False), ("0", False), ("", False)]:
            monkeypatch.setenv("X_FLAG", raw)
            assert env_bool("X_FLAG", not expected) is expected
        monkeypatch.setenv("X_FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
            env_bool("X_FLAG", False)
        monkeypatch.delenv("X_FLAG")
        assert env_bool("X_FLAG", True) is True

    def test_integers_fail_loudly(self, monkeypatch):
        monkeypatch.setenv("X_INT", "12")
        assert env_int("X_INT", 5) == 12
        monkeypatch.setenv("X_INT", "twelve")
        with pytest.raises(ImproperlyConfigured, match="not a whole number"):
            env_int("X_INT", 5)
        monkeypatch.setenv("X_INT", "0")
        with pytest.raises(ImproperlyConfigured, match="at least 1"):
            env_int("X_INT", 5, minimum=1)

    def test_lists_strings_and_urls(self, monkeypatch):
        monkeypatch.setenv("X_LIST", "a.vn, b.vn,,")
        assert env_list("X_LIST", []) == ["a.vn", "b.vn"]
        monkeypatch.delenv("X_STR", raising=False)
        with pytest.raises(ImproperlyConfigured, match="X_STR is required"):
            env_str("X_STR")
        monkeypatch.setenv("X_URL", "mysql://db/x")
        with pytest.raises(ImproperlyConfigured, match="scheme postgres"):
            env_url("X_URL", schemes={"postgres"})
        monkeypatch.setenv("X_URL", "postgres://postgres@127.0.0.1:5432/portal")
        assert env_url("X_URL", schemes={"postgres"}).endswith("/portal")


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )


class SettingsTests:
    def test_a_bad_environment_value_stops_start_up_with_one_clear_line(self):
        result = run_manage("check", DEBUG="perhaps")
        assert result.returncode != 0
        assert "DEBUG='perhaps' is not a boolean" in result.stderr

    def test_production_needs_a_real_secret_key(self):
        result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="portal.example.vn")
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr

    def test_check_deploy_passes_with_production_values(self):
        result = run_manage(
            "check", "--deploy", "--fail-level", "WARNING",
            DEBUG="0", SECRET_KEY="x" * 20 + "-production-like-secret-key-for-the-test-0123456789",
            ALLOWED_HOSTS="portal.example.vn",
        )
        assert result.returncode == 0, result.stderr
