"""Walks every URL of the portal, from the resolver, for every role.

A new view is covered without anyone remembering: a URL that takes an object
id must have a factory below that makes such an object in Bác Ái (unit B), or
``test_every_url_with_parameters_has_a_factory`` fails. Then the official of
Ninh Sơn (unit A) must get 404 (or 403) for it, on GET and on POST, while the
official of Bác Ái gets it. Pages without parameters must answer every role
without a server error.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("admin:", "set_language", "javascript-catalog")
SKIP_NAMES = {"logout", "login", "healthz"}  # healthz answers 503 while a service is down (tests/test_faults.py)


def walk(patterns=None, prefix: str = "") -> list[tuple[str, list[str]]]:
    """(url name with namespace, its parameters) for every named pattern."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found.extend(walk(entry.url_patterns, ns))
        elif isinstance(entry, URLPattern) and entry.name:
            params = list(entry.pattern.converters) if hasattr(entry.pattern, "converters") else []
            found.append((f"{prefix}{entry.name}", params))
    return [(name, params) for name, params in found if not name.startswith(SKIP_PREFIXES) and name not in SKIP_NAMES]


# url name -> function(env) returning the URL kwargs of an object that belongs to unit B (Bác Ái).
def _finished_job_b(env) -> dict:
    """A progress report job of Bác Ái's official, run to the end (with its workbook)."""
    from portal.jobs import job_create, job_run
    from reports.progress import Period

    period = Period.for_year(2021, "h1")
    job = job_create(user=env.users.official_b, unit=env.units.b, kind="progress", enqueue=False,
                     params={"period": period.to_params(), "source": "registry", "label": period.label})
    return {"pk": job_run(job.pk).pk}


FACTORIES: dict[str, Callable[[SimpleNamespace], dict]] = {
    "unit_detail": lambda env: {"pk": env.units.commune_b.pk},
    "jobs:detail": _finished_job_b,
    "jobs:status": _finished_job_b,
    "jobs:download": _finished_job_b,
    "jobs:retry": _finished_job_b,
    "progress:result": _finished_job_b,
}
# Every app's tests/<app>/url_factories.py contributes its FACTORIES (a new app's are found without an edit here),
# and may name URLs whose object is national (NATIONAL) or for administrators only (ADMIN_ONLY).
for _module_path in sorted(Path(__file__).parent.glob("*/url_factories.py")):
    _module = importlib.import_module(f"tests.{_module_path.parent.name}.url_factories")
    FACTORIES.update(_module.FACTORIES)

# URLs whose parameter is not an object of a unit (e.g. a user scope for administrators only).
ADMIN_ONLY = {"reassign_scope"}
# National objects no unit owns (sending enterprises): officials may not edit them, the province may.
NATIONAL = {"workers:enterprise_edit": lambda env: {"pk": _enterprise(env).pk}}
# URLs opened without a session by a one-time token (a link to set one's password): they answer anyone, and a
# wrong token changes nothing.
PUBLIC: dict[str, Callable[[SimpleNamespace], dict]] = {}
# National objects every signed-in user may read (a sending enterprise's page): no server error for any role.
READ_BY_ALL: dict[str, Callable[[SimpleNamespace], dict]] = {}
for _module_path in sorted(Path(__file__).parent.glob("*/url_factories.py")):
    _module = importlib.import_module(f"tests.{_module_path.parent.name}.url_factories")
    ADMIN_ONLY |= set(getattr(_module, "ADMIN_ONLY", ()))
    NATIONAL.update(getattr(_module, "NATIONAL", {}))
    PUBLIC.update(getattr(_module, "PUBLIC", {}))
    READ_BY_ALL.update(getattr(_module, "READ_BY_ALL", {}))


def _enterprise(env):
    from workers.models import Enterprise

    return Enterprise.objects.create(name="Công ty Thử nghiệm", licence_no="TEST/URL-WALK")


@pytest.fixture
def env(units, users):
    return SimpleNamespace(units=units, users=users)


def url_for(name: str, kwargs: dict) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)


class UrlScopeTests:
    def test_every_url_with_parameters_has_a_factory(self):
        covered = FACTORIES.keys() | ADMIN_ONLY | NATIONAL.keys() | PUBLIC.keys() | READ_BY_ALL.keys()
        missing = [name for name, params in walk() if params and name not in covered]
        assert not missing, f"add a factory for: {missing}"

    def test_another_units_object_answers_404_on_every_url(self, env, client_for):
        official_a = client_for(env.users.official_a)
        official_b = client_for(env.users.official_b)
        checked = 0
        for name, params in walk():
            if not params or name in ADMIN_ONLY or name in NATIONAL or name in PUBLIC or name in READ_BY_ALL:
                continue
            url = url_for(name, FACTORIES[name](env))
            for method in ("get", "post"):
                response = getattr(official_a, method)(url)
                assert response.status_code in (403, 404), f"{method.upper()} {url} ({name}) as unit A: {response.status_code}"
            owner = official_b.get(url)
            assert owner.status_code in (200, 302, 405), f"GET {url} ({name}) as unit B: {owner.status_code}"
            checked += 1
        assert checked >= len(FACTORIES)

    def test_admin_only_urls_answer_404_to_everyone_else(self, env, client_for):
        from portal.models import Scope

        scope = Scope.objects.get(user=env.users.official_b)
        for name in ADMIN_ONLY:
            url = url_for(name, {"pk": scope.pk})
            for user in (env.users.province, env.users.official_a, env.users.viewer, env.users.nobody):
                assert client_for(user).post(url).status_code == 404, (name, user)

    def test_national_objects_are_edited_by_the_province_only(self, env, client_for):
        for name, factory in NATIONAL.items():
            url = url_for(name, factory(env))
            for user in (env.users.official_a, env.users.official_b, env.users.viewer, env.users.nobody):
                for method in ("get", "post"):
                    status = getattr(client_for(user), method)(url).status_code
                    assert status in (403, 404), f"{method.upper()} {url} as {user}: {status}"
            assert client_for(env.users.province).get(url).status_code == 200

    def test_token_urls_answer_anyone_and_a_wrong_token_changes_nothing(self, env, client_for):
        from django.test import Client

        for name, factory in PUBLIC.items():
            kwargs = factory(env)
            assert Client().get(url_for(name, kwargs)).status_code in (200, 302)
            wrong = url_for(name, {**kwargs, "token": "x" + kwargs["token"][1:]})
            before = env.users.official_b.password
            response = Client().post(wrong, {"new_password1": "Another-pass-2026", "new_password2": "Another-pass-2026"})
            assert response.status_code == 200
            env.users.official_b.refresh_from_db()
            assert env.users.official_b.password == before

    def test_national_objects_read_by_all_answer_every_role_without_a_server_error(self, env, client_for):
        for name, factory in READ_BY_ALL.items():
            url = url_for(name, factory(env))
            for role in ("admin", "province", "official_a", "official_b", "viewer", "nobody"):
                status = client_for(getattr(env.users, role)).get(url).status_code
                assert status == 200, f"GET {url} as {role}: {status}"

    @pytest.mark.parametrize("role", ["admin", "province", "official_a", "viewer", "nobody"])
    def test_every_page_answers_every_role_without_a_server_error(self, env, client_for, role):
        client = client_for(getattr(env.users, role))
        for name, params in walk():
            if params:
                continue
            response = client.get(url_for(name, {}))
            # /healthz answers 503 by design while a service is down: with REDIS_URL and no Celery worker running
            # beside the tests (the beat and worker checks), that is its correct answer, not a server error.
            expected = (200, 302, 403, 404, 405, 503) if name == "healthz" else (200, 302, 403, 404, 405)
            assert response.status_code in expected, f"{name} as {role}: {response.status_code}"
