"""Security headers and sessions on every kind of page, in production settings (issue 20).

Two halves:
- a subprocess started with the production environment (``tests/test_hardening_settings.PRODUCTION``) asks,
  without a session, for the login page, a protected page (redirect to login), a page that does not exist (404)
  and a view that crashes (500, a URL added to the probe only): each carries HSTS, the strict CSP, DENY framing,
  nosniff and the referrer policy;
- in-process, with the production values of the security settings applied, a signed-in administrator reads an
  HTML page, a list, an Excel download, a JSON answer, a form's redirect, a 403, a 404 and a 500: the same
  headers on each, and the session cookie is Secure, HttpOnly, SameSite=Lax and ends within 8 hours.

The password policy (at least 10 characters, not all digits, not like the username, not common) is checked with
Django's validators, and the demo accounts' password satisfies it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import path, reverse

from tests.test_hardening_settings import PRODUCTION, ROOT

PROBE_PAGES = r'''
import json, django
django.setup()
from django.conf import settings
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
from django.urls import clear_url_caches, path
from portal import urls

def boom(request):
    raise RuntimeError("a crash for the probe")

urls.urlpatterns.append(path("__probe_boom__/", boom))
clear_url_caches()
from django.test import Client
client = Client(HTTP_HOST="portal.example.vn", raise_request_exception=False)
out = {}
for kind, url in {"login": "/accounts/login/", "redirect": "/workers/", "404": "/khong-co-trang-nay/",
                  "500": "/__probe_boom__/"}.items():
    response = client.get(url, secure=True)
    out[kind] = [response.status_code, dict(response.headers.items())]
print("PROBE" + json.dumps(out))
'''

REQUIRED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def check_headers(headers: dict, kind: str, *, https: bool) -> list[str]:
    problems = []
    csp = headers.get("Content-Security-Policy", "")
    if "default-src 'self'" not in csp or "frame-ancestors 'none'" not in csp:
        problems.append(f"{kind}: CSP missing or weak: {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"{kind}: CSP allows unsafe code: {csp!r}")
    for name, value in REQUIRED.items():
        if headers.get(name) != value:
            problems.append(f"{kind}: {name} is {headers.get(name)!r}")
    if https and "max-age=31536000" not in headers.get("Strict-Transport-Security", ""):
        problems.append(f"{kind}: no HSTS")
    return problems


@pytest.fixture(scope="module")
def production_pages():
    base = {k: v for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run([sys.executable, "-c", PROBE_PAGES], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **PRODUCTION})
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line[len("PROBE"):])


class ProductionPageKindsTests:
    def test_each_kind_of_page_answers_as_expected(self, production_pages):
        statuses = {kind: status for kind, (status, _headers) in production_pages.items()}
        assert statuses == {"login": 200, "redirect": 302, "404": 404, "500": 500}

    def test_every_kind_carries_the_security_headers_including_404_and_500(self, production_pages):
        problems = [p for kind, (_s, headers) in production_pages.items()
                    for p in check_headers(headers, kind, https=True)]
        assert not problems, problems

    def test_the_error_pages_do_not_leak_the_traceback(self, production_pages):
        assert production_pages["500"][1]["Content-Type"].startswith("text/html")


def boom(request):
    raise RuntimeError("a crash for the test")


urlpatterns = [path("__test_boom__/", boom)]


@pytest.fixture
def production_like(settings):
    """The security settings production takes when DEBUG is off (portal/settings.py), applied in-process."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.mark.django_db
class SignedInPageKindsTests:
    def test_every_kind_of_page_carries_the_security_headers(self, users, client_for, production_like, monkeypatch):
        from django.urls import clear_url_caches

        from portal import urls

        monkeypatch.setattr(urls, "urlpatterns", [*urls.urlpatterns, *urlpatterns])
        clear_url_caches()
        pages = {  # kind: (who, URL, expected status)
            "home": (users.admin, reverse("home"), 200),
            "list": (users.official_a, reverse("workers:worker_list"), 200),
            "excel": (users.official_a, reverse("workers:worker_import_template"), 200),
            "job": (users.official_a, reverse("workers:worker_export"), 302),  # exports answer with their job
            "json": (users.official_a, reverse("notifications:counts"), 200),
            "403": (users.viewer, reverse("workers:worker_create"), 403),
            "404": (users.official_a, "/khong-co-trang-nay/", 404),
            "500": (users.admin, "/__test_boom__/", 500),
        }
        problems = []
        try:
            for kind, (user, url, expected) in pages.items():
                client = client_for(user)
                client.raise_request_exception = False
                response = client.get(url, secure=True)
                if response.status_code != expected:
                    problems.append(f"{kind} as {user.username}: {response.status_code}, expected {expected}")
                problems += check_headers(dict(response.headers.items()), kind, https=True)
        finally:
            clear_url_caches()
        assert not problems, problems

    def test_a_post_with_a_session_over_plain_http_is_sent_to_https(self, users, client_for, production_like):
        response = client_for(users.admin).get(reverse("home"))
        assert response.status_code == 301 and response["Location"].startswith("https://")

    def test_the_session_cookie_is_secure_httponly_and_short(self, users, production_like):
        from django.test import Client

        from tests.conftest import PASSWORD

        client = Client()
        response = client.post(reverse("login"), {"username": users.official_a.username, "password": PASSWORD},
                               secure=True)
        assert response.status_code == 302
        cookie = client.cookies[production_like.SESSION_COOKIE_NAME]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"].lower() in ("lax", "strict")
        assert 0 < production_like.SESSION_COOKIE_AGE <= 8 * 3600
        assert production_like.SESSION_EXPIRE_AT_BROWSER_CLOSE


@pytest.mark.django_db
class PasswordPolicyTests:
    @pytest.mark.parametrize("password", [
        "Ab1!xyz9",  # 8 characters: under the minimum of 10
        "Kx7!pq2#z",  # 9
        "4839201756",  # all digits
        "t_ninhson2026",  # like the username
        "password123",  # common
    ])
    def test_weak_passwords_are_refused(self, users, password):
        with pytest.raises(ValidationError):
            validate_password(password, user=users.official_a)

    def test_ten_characters_that_are_not_the_username_pass(self, users):
        validate_password("Kx7!pq2#zW", user=users.official_a)

    def test_the_demo_password_meets_the_policy(self, users):
        from portal.demo import DEMO_PASSWORD

        assert len(DEMO_PASSWORD) >= 10
        for username in ("admin", "tinh", "ninhson", "bacai", "lanhdao", "khanhhoa", "qtkhanhhoa", "nhatrang"):
            users.official_a.username = username
            validate_password(DEMO_PASSWORD, user=users.official_a)

    def test_loading_the_demo_again_moves_accounts_off_the_retired_password(self, units):
        from django.contrib.auth import get_user_model

        from portal.demo import DEMO_PASSWORD, load_demo_accounts, load_demo_units

        load_demo_units()
        load_demo_accounts()
        User = get_user_model()
        old, changed = User.objects.get(username="ninhson"), User.objects.get(username="bacai")
        old.set_password("Demo@2026")
        old.save()
        changed.set_password("Chosen-by-bacai-1")
        changed.save()
        load_demo_accounts()
        old.refresh_from_db()
        changed.refresh_from_db()
        assert old.check_password(DEMO_PASSWORD) and not old.check_password("Demo@2026")
        assert changed.check_password("Chosen-by-bacai-1")
