"""Objects of Bác Ái (unit B) for every targets URL that takes parameters.

Shaped like ``FACTORIES`` in tests/test_url_scope.py (url name → function(env) → URL kwargs), so that
file can take them with ``FACTORIES.update(TARGETS_FACTORIES)``; tests/targets/test_url_contract.py
applies the same contract to the targets URLs on its own.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

MONTH = dt.date(2026, 1, 1)


def _plan_b(env) -> dict:
    from targets.models import Plan
    from targets.services import plan_create

    existing = Plan.objects.filter(unit=env.units.b, name="Kế hoạch Bác Ái (kiểm thử)").first()
    if existing is not None:
        return {"pk": existing.pk}
    plan = plan_create(user=env.users.admin, unit=env.units.b, name="Kế hoạch Bác Ái (kiểm thử)", first_year=2030,
                       last_year=2030, targets=[10])
    return {"pk": plan.pk}


def _figures_b(env) -> dict:
    return {"unit_id": env.units.b.pk, "year": MONTH.year, "month": MONTH.month}


def _report_b(env) -> dict:
    from targets.models import MonthlyReport
    from targets.services import figures_save, figures_submit

    existing = MonthlyReport.objects.filter(unit=env.units.b, month=MONTH).first()
    if existing is not None:
        return {"pk": existing.pk}
    report = figures_save(user=env.users.admin, unit=env.units.b, month=MONTH, values={"departed": 1}, version=None)
    report = figures_submit(user=env.users.admin, report=report, version=report.version)
    return {"pk": report.pk}


def _range_b(env) -> dict:
    from targets.models import Indicator
    from targets.services import range_set

    item = range_set(user=env.users.admin, unit=env.units.b, indicator=Indicator.objects.get(code="departed"),
                     minimum=0, maximum=99)
    return {"pk": item.pk}


TARGETS_FACTORIES: dict[str, Callable[[SimpleNamespace], dict]] = {
    "targets:plan_detail": _plan_b,
    "targets:plan_edit": _plan_b,
    "targets:figures": _figures_b,
    "targets:figures_reopen": _figures_b,
    "targets:figures_review": _report_b,
    "targets:range_delete": _range_b,
}

FACTORIES = TARGETS_FACTORIES  # the name every app's url_factories module exports (tests/test_url_scope.py)
# The indicators of the monthly report are national: edited by the national administrator only (404 to others).
ADMIN_ONLY = {"targets:indicator_edit", "targets:rule_edit", "targets:rule_delete"}
