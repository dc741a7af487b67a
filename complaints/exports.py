"""The complaints' exports, run as report jobs (``portal.exports``): the case list as filtered on its screen and the
summary of a unit over a period. Each re-reads the screen's filters from the job's query under the job's user, so
the scope is applied again when the job runs."""
from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import selectors
from complaints.forms import CaseFilterForm, SummaryForm
from complaints.models import Case
from complaints.workbooks import case_cells, write_cases_workbook, write_summary_workbook
from portal.jobs import JobOutput
from portal.models import Unit
from portal.summaries import default_summary_unit, summary_filters
from workers.exports import with_progress
from workers.services import access_log_export, today

CASES_EXPORT_LABEL = gettext_lazy("Complaint cases (Excel)")
SUMMARY_EXPORT_LABEL = gettext_lazy("Complaints summary (Excel)")


def case_filters(user, query: QueryDict) -> tuple[CaseFilterForm, selectors.CaseFilters]:
    """The case list's form and filters from ``query``; another unit's id is 404 (as if it did not exist)."""
    form = CaseFilterForm(query or None, user=user)
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        raise Http404
    if form.is_bound and form.is_valid():
        return form, selectors.CaseFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    return form, selectors.CaseFilters()


def default_unit(user) -> Unit | None:
    def latest_path() -> str | None:
        latest = Case.objects.visible_to(user).select_related("unit").order_by("-received_on", "-pk").first()
        return latest.unit.path if latest is not None else None

    return default_summary_unit(user, latest_path)


def summary_choice(user, query: QueryDict):
    """``(form, unit, date_from, date_to)`` of the summary screen (unit None: nothing to show); another unit's
    id is 404."""
    return summary_filters(user, query, SummaryForm,
                           default_unit=lambda: default_unit(user), today=today())


def case_summary(user, query: QueryDict):
    """``(form, summary)`` of the summary screen (summary None without a unit); another unit's id is 404."""
    form, unit, date_from, date_to = summary_choice(user, query)
    return form, selectors.case_summary(unit=unit, date_from=date_from, date_to=date_to) if unit else None


def _out_of_scope() -> PermissionError:
    return PermissionError(_("This unit is outside your scope."))


def cases_export(user, query: QueryDict, *, job=None) -> JobOutput:
    """The case list as filtered; the cases whose complainant is shown in full go to the record-access log."""
    try:
        _form, filters = case_filters(user, query)
    except Http404:
        raise _out_of_scope() from None
    day = today()
    cases = selectors.case_list(user, filters, today=day)
    total = cases.count()

    def write(fileobj) -> None:
        shown = {"full": 0}

        def rows():
            for item in with_progress(selectors.case_export_rows(user, cases), job, total):
                shown["full"] += item.full
                yield case_cells(item, today=day)

        count = write_cases_workbook(rows(), fileobj)
        if shown["full"]:  # complainants' names, phones and workers' CCCDs in full: the record-access log says so
            access_log_export(user=user, query=f"complaints {query.urlencode()}".strip(), rows=count,
                              unit=filters.unit)

    return JobOutput(result={"rows": total}, filename=f"khieu-nai-{day:%Y%m%d}.xlsx", write=write)


def summary_export(user, query: QueryDict, *, job=None) -> JobOutput:
    try:
        _form, result = case_summary(user, query)
    except Http404:
        raise _out_of_scope() from None
    if result is None:
        raise _out_of_scope()
    name = f"khieu-nai-tong-hop-{result.unit.code}-{result.date_from:%Y%m%d}-{result.date_to:%Y%m%d}.xlsx"
    return JobOutput(result={"unit": result.unit.code}, filename=name,
                     write=lambda fileobj: write_summary_workbook(result, fileobj))
