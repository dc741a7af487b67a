"""The support summary's export, run as a report job (``portal.exports``): the job re-reads the unit and period
from its query under its user, so the scope is applied again when it runs."""
from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.jobs import JobOutput
from portal.models import Unit
from portal.summaries import default_summary_unit, summary_filters
from support import selectors
from support.forms import SummaryForm
from support.models import Payment
from support.workbooks import write_support_workbook
from workers.services import today

SUMMARY_EXPORT_LABEL = gettext_lazy("Support summary (Excel)")


def default_unit(user) -> Unit | None:
    def latest_path() -> str | None:
        latest = Payment.objects.visible_to(user).select_related("worker__unit").order_by("-date", "-pk").first()
        return latest.worker.unit.path if latest is not None else None

    return default_summary_unit(user, latest_path)


def summary_choice(user, query: QueryDict):
    """``(form, unit, date_from, date_to)`` of the summary screen (unit None: nothing to show); another unit's
    id is 404."""
    return summary_filters(user, query, SummaryForm,
                           default_unit=lambda: default_unit(user), today=today())


def support_summary(user, query: QueryDict):
    """``(form, summary)`` of the summary screen (summary None without a unit); another unit's id is 404."""
    form, unit, date_from, date_to = summary_choice(user, query)
    return form, selectors.support_summary(unit=unit, date_from=date_from, date_to=date_to) if unit else None


def summary_export(user, query: QueryDict, *, job=None) -> JobOutput:
    try:
        _form, result = support_summary(user, query)
    except Http404:
        result = None
    if result is None:
        raise PermissionError(_("This unit is outside your scope."))
    name = f"ho-tro-{result.unit.code}-{result.date_from:%Y%m%d}-{result.date_to:%Y%m%d}.xlsx"
    return JobOutput(result={"unit": result.unit.code}, filename=name,
                     write=lambda fileobj: write_support_workbook(result, fileobj))
