"""The reports' exports run as report jobs (``portal.exports``): the waiting pool as chosen on its screen."""
from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.jobs import JobOutput
from portal.scoping import user_unit
from reports.forms import PoolForm, report_units
from reports.pool import pool_summary, pool_workers
from reports.pool.workbooks import write_pool_workbook


def pool_choice(query: QueryDict, user) -> tuple | None:
    """(unit, dimension, key) of the pool's screen from ``query``; None when the unit is outside the scope."""
    unit_id = query.get("unit")
    if unit_id and (not str(unit_id).isdigit() or not report_units(user).filter(pk=unit_id).exists()):
        return None
    default = user_unit(user) or report_units(user).filter(parent__isnull=True).first()
    query = query.copy()
    if query and not query.get("unit") and default is not None:
        query["unit"] = str(default.pk)
    form = PoolForm(query or None, user=user, initial={"by": "enterprise", "unit": default})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    unit = data.get("unit") or default
    if unit is None:
        return None
    return unit, data.get("by") or "enterprise", data.get("key") or ""


def pool_export(user, query: QueryDict, *, job=None) -> JobOutput:
    choice = pool_choice(query, user)
    if choice is None:
        raise PermissionError(_("This unit is outside your scope."))
    unit, dimension, key = choice
    summary = pool_summary(user, unit=unit, dimension=dimension)
    workers = pool_workers(user, unit=unit, dimension=dimension, key=key)
    return JobOutput(result={"unit": unit.code}, filename=f"cho-xuat-canh-{unit.code}-{summary.today:%Y%m%d}.xlsx",
                     write=lambda fileobj: write_pool_workbook(summary, workers.iterator(chunk_size=2000), fileobj,
                                                               unit=unit))


POOL_EXPORT_LABEL = gettext_lazy("Waiting pool (Excel)")
