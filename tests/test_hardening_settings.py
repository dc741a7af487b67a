"""Security settings: production cookies, HSTS and SSL redirect, session timeout, the CSP header, CSRF on every
POST form, password validation, and no secret committed."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import project_apps

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0", "ALLOWED_HOSTS": "portal.example.vn",
    "SECRET_KEY": "prod-like-" + "k3y" * 20,
}

PROBE = r'''
import json, django
django.setup()
from django.conf import settings
# The manifest of collected static files does not exist in the source tree: read plain files for the probe only.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
from django.test import Client
client = Client(HTTP_HOST="portal.example.vn")
plain = client.get("/accounts/login/")
secure = client.get("/accounts/login/", secure=True)
cookies = {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
           for name, c in secure.cookies.items()}
names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
         "SESSION_COOKIE_HTTPONLY", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF", "AXES_FAILURE_LIMIT"]
print("PROBE" + json.dumps({
    "settings": {n: getattr(settings, n, None) for n in names},
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, dict(secure.headers.items())],
    "cookies": cookies,
}))
'''


def probe(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **env})
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line[len("PROBE"):])


@pytest.fixture(scope="module")
def production():
    return probe(**PRODUCTION)


class ProductionSettingsTests:
    def test_cookies_are_secure_and_the_session_ends_within_a_working_day(self, production):
        s = production["settings"]
        assert s["DEBUG"] is False
        assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
        assert s["SESSION_COOKIE_HTTPONLY"] is True
        assert 0 < s["SESSION_COOKIE_AGE"] <= 8 * 3600 and s["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
        assert production["cookies"]["csrftoken"]["secure"] is True

    def test_plain_http_is_redirected_to_https_and_https_answers_with_hsts(self, production):
        status, location = production["plain"]
        assert status == 301 and location.startswith("https://portal.example.vn/")
        assert production["settings"]["SECURE_SSL_REDIRECT"] is True
        status, headers = production["secure"]
        assert status == 200
        hsts = headers["Strict-Transport-Security"]
        assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"

    def test_the_production_response_carries_a_strict_content_security_policy(self, production):
        csp = production["secure"][1]["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp

    def test_login_is_throttled(self, production):
        assert 1 <= production["settings"]["AXES_FAILURE_LIMIT"] <= 10


@pytest.mark.django_db
class ResponseHeaderTests:
    @pytest.mark.parametrize("name", ["login", "home", "workers:worker_list", "targets:quota_table", "audit_list"])
    def test_every_page_carries_the_csp_header_without_unsafe_inline(self, users, client_for, name):
        response = client_for(users.admin).get(reverse(name))
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


TEMPLATE_DIRS = [ROOT / "templates", *(Path(config.path) / "templates" for config in project_apps())]
FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)


def template_files() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS if d.is_dir() for p in d.rglob("*.html"))


class TemplateTests:
    def test_every_post_form_in_every_template_has_a_csrf_token(self):
        checked, missing = 0, []
        for path in template_files():
            for form in FORM.finditer(path.read_text()):
                if not re.search(r"method\s*=\s*[\"']?post", form["attrs"], re.I):
                    continue
                checked += 1
                if "{% csrf_token %}" not in form["body"]:
                    missing.append(f"{path.relative_to(ROOT)}: <form{form['attrs']}>")
        assert not missing, missing
        assert checked >= 20, f"only {checked} POST forms found: is the scan looking in the right place?"

    def test_no_template_has_inline_script_style_or_event_handlers(self):
        offending = []
        for path in template_files():
            text = path.read_text()
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle\s*=", text) or re.search(
                    r"\son[a-z]+\s*=", text):
                offending.append(str(path.relative_to(ROOT)))
        assert not offending, offending


@pytest.mark.django_db
class PasswordTests:
    @pytest.mark.parametrize("password", ["12345678", "password", "t_ninhson2026", "Ab1!"])
    def test_weak_passwords_are_refused(self, users, password):
        with pytest.raises(ValidationError):
            validate_password(password, user=users.official_a)

    def test_the_password_change_screen_refuses_a_weak_password_and_keeps_the_old_one(self, users, client_for):
        from tests.conftest import PASSWORD

        client = client_for(users.official_a)
        response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "12345678",
                                                            "new_password2": "12345678"})
        assert response.status_code == 200 and response.context["form"].errors["new_password2"]
        users.official_a.refresh_from_db()
        assert users.official_a.check_password(PASSWORD)


SECRET_PATTERNS = {
    "a literal SECRET_KEY": re.compile(r"SECRET_KEY\s*=\s*[\"'](?![^\"']*\$\()[^\"']{8,}[\"']"),  # not one generated by $(…)
    "a Django generated key": re.compile("django-" + "insecure-"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "a password in a URL": re.compile(r"\b(?:postgres(?:ql)?|redis|rediss|mysql|amqp)://[^:/@\s]+:[^@/\s{}]{3,}@"),
    "a password or token in code": re.compile(
        r"(?i)\b\w*(?:api_key|token|secret|passwd|password)\w*\s*[:=]\s*[\"'][^\"'\s]{12,}[\"']"),
}
# Fake credentials of the tests and the development key that production refuses to start with.
ALLOWED = {("portal/settings.py", "_DEV_SECRET = \"dev-only-insecure-key-do-not-use-in-production\"")}


def repository_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    return [name for name in listed if not name.startswith(("static/vendor/", "locale/"))
            and (ROOT / name).is_file()]


class SecretTests:
    def test_no_secret_is_committed_except_the_development_default(self):
        found = []
        for name in repository_files():
            try:
                text = (ROOT / name).read_text()
            except UnicodeDecodeError:
                continue
            for line in text.splitlines():
                for what, pattern in SECRET_PATTERNS.items():
                    if pattern.search(line) and (name, line.strip()) not in ALLOWED:
                        if name.startswith("tests/") and what == "a password or token in code":
                            continue  # test accounts' passwords are fake by construction
                        found.append(f"{name}: {what}: {line.strip()[:100]}")
        assert not found, found

    def test_no_key_or_environment_file_is_in_the_repository(self):
        risky = [n for n in repository_files() if re.search(r"(^|/)\.env($|\.)|\.(pem|key|p12|pfx)$", n)]
        assert not risky, risky

    def test_the_development_key_cannot_be_used_in_production(self):
        result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                                timeout=120, env={**{k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
                                                  "DEBUG": "0", "ALLOWED_HOSTS": "x.vn",
                                                  "SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production"})
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr
