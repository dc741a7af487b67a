"""Every targets URL with parameters: another unit's official gets 404 (or 403), the owner gets it."""
from __future__ import annotations

from types import SimpleNamespace

from django.urls import URLPattern, get_resolver, reverse

from tests.targets.url_factories import ADMIN_ONLY, TARGETS_FACTORIES


def targets_urls() -> list[tuple[str, list[str]]]:
    resolver = next(r for r in get_resolver().url_patterns if getattr(r, "namespace", None) == "targets")
    return [(f"targets:{p.name}", list(p.pattern.converters)) for p in resolver.url_patterns
            if isinstance(p, URLPattern) and p.name]


class TargetsUrlContractTests:
    def test_every_targets_url_with_parameters_has_a_factory(self):
        missing = [name for name, params in targets_urls()
                   if params and name not in TARGETS_FACTORIES and name not in ADMIN_ONLY]
        assert not missing

    def test_another_units_official_gets_404_and_the_owner_gets_the_page(self, units, users, client_for, clock):
        env = SimpleNamespace(units=units, users=users)
        official_a, official_b = client_for(users.official_a), client_for(users.official_b)
        for name, params in targets_urls():
            if not params or name in ADMIN_ONLY:  # national data (indicators): tests/test_url_scope.py's admin-only walk
                continue
            url = reverse(name, kwargs=TARGETS_FACTORIES[name](env))
            for method in ("get", "post"):
                assert getattr(official_a, method)(url).status_code == 404, f"{method} {name}"
            assert official_b.get(url).status_code in (200, 302, 405), name

    def test_every_targets_page_answers_every_role_without_a_server_error(self, units, users, client_for, clock):
        for role in ("admin", "province", "official_a", "viewer", "nobody"):
            client = client_for(getattr(users, role))
            for name, params in targets_urls():
                if not params:
                    assert client.get(reverse(name)).status_code in (200, 302, 403, 404), (name, role)
