"""Shared fixtures: the demo province's units and one user per role.

Every app's tests use these, so each view gets its "another unit answers 404"
test against the same two districts: Ninh Sơn (unit A, official ``official_a``)
and Bác Ái (unit B, official ``official_b``).
"""
from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from portal.demo import DEMO_PROVINCE
from portal.models import Role, Scope, Structure, Unit
from portal.units_loader import load_units

pytest_plugins = ["tests.workers.fixtures"]


def project_apps() -> list:
    """The app configs of the portal's own apps (every app directly in the project's directory), new ones included."""
    from django.apps import apps
    from django.conf import settings

    return [config for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)]

PASSWORD = "Test-pass-2026!"


@pytest.fixture(autouse=True)
def _portal_test_defaults(settings, tmp_path_factory):
    # Vietnamese first, and static files served without a collectstatic manifest.
    settings.LANGUAGE_CODE = "vi"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A cache of the test's own (not Redis, not the previous test's): cached figures never outlive a test.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"test-{uuid.uuid4()}"}}
    # Documents attached in a test (complaints) go to a folder of the test's own, not the checkout's var/private.
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private")
    # A replica (REPLICA_DATABASE_URL) never sees a test's uncommitted rows: reads stay on the primary except in
    # the tests that prove they go there (tests/portal/test_replica.py).
    settings.REPLICA_READS = False
    # Unit trees are built for each report (tests compare the queries of a first report with a second's); the
    # tests of keeping them (tests/portal/test_tree_kept.py) turn it on.
    settings.UNIT_TREES_KEPT = 0
    # A unit's dashboard after a write is recomputed in the request, as without a broker (CI has one, and no worker
    # serving the test database); tests/reports/test_dashboard_stampede.py turns the tasks on.
    settings.DASHBOARD_REFRESH_TASKS = False


@pytest.fixture
def units(db) -> SimpleNamespace:
    """Ninh Thuận (58) from the package, legacy structure."""
    load_units(structure=Structure.LEGACY, province_codes=[DEMO_PROVINCE])
    get = lambda code: Unit.objects.get(structure=Structure.LEGACY, code=code)  # noqa: E731
    province = get("58")
    ninh_son = get("585")
    bac_ai = get("584")
    return SimpleNamespace(
        province=province,
        ninh_son=ninh_son,
        bac_ai=bac_ai,
        a=ninh_son,
        b=bac_ai,
        commune_a=ninh_son.children.order_by("code").first(),
        commune_b=bac_ai.children.order_by("code").first(),
    )


def make_user(username: str, role: str | None, unit: Unit | None, **extra):
    User = get_user_model()
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role is not None:
        Scope.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def users(units) -> SimpleNamespace:
    return SimpleNamespace(
        admin=make_user("t_admin", Role.ADMIN, None, is_staff=True, is_superuser=True),
        province=make_user("t_tinh", Role.PROVINCE, units.province),
        official_a=make_user("t_ninhson", Role.OFFICIAL, units.a),
        official_b=make_user("t_bacai", Role.OFFICIAL, units.b),
        viewer=make_user("t_lanhdao", Role.VIEWER, units.province),
        nobody=make_user("t_noscope", None, None),
    )


@pytest.fixture
def client_for(db):
    """``client_for(user)`` → a test client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def reference_data(db):
    """Seed again the rows the data migrations seed (countries, household statuses, indicators,
    loan eligibility, checklist items): a transactional test elsewhere flushes every table, these included."""
    import importlib

    from django.apps import apps

    from workers import models as worker_models
    from workers.reference import sync_reference_data

    sync_reference_data(worker_models.Country, worker_models.Programme, worker_models.Ethnicity,
                        worker_models.HouseholdStatus)
    from workers.reference import sync_checklist_items, sync_programme_flags

    sync_checklist_items(worker_models.ChecklistItem)  # the pre-departure checklist (workers 0009)
    sync_programme_flags(worker_models.Programme)
    importlib.import_module("targets.migrations.0002_seed_indicators").seed(apps, None)
    importlib.import_module("targets.migrations.0005_seed_validation_rules").seed(apps, None)
    # The loan-eligible groups the data migration seeded (its model has since moved to the support app).
    from support.models import LoanEligibility

    codes = importlib.import_module("workers.migrations.0004_loan_eligibility_data").CODES
    for status in worker_models.HouseholdStatus.objects.filter(code__in=codes):
        LoanEligibility.objects.get_or_create(household_status=status)


def post_and_confirm(client, url: str, data: dict):
    """Upload a file on an upload screen, then confirm its preview (``portal.uploads``) when it has no error."""
    response = client.post(url, data)
    preview = response.context["preview"] if response.context and "preview" in response.context else None
    if preview is None or preview.errors:
        return response
    return client.post(url, {"preview_id": preview.pk, "file_hash": preview.file_hash})


@pytest.fixture
def celery_eager():
    """Tasks run in-process even when REDIS_URL names a broker (as in CI, where no worker serves the test
    database): the test reads what the task wrote."""
    from portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def eager(celery_eager, settings, tmp_path):
    """Report jobs run in-process when asked for, their files written to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path)
