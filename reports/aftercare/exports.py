"""The after-departure exports, run as report jobs (``portal.exports``): the suspension-risk report and the
enterprises' scorecard as chosen on their screens. The job re-reads the choice from its query under its user (a
unit outside the scope is refused), so the scope is applied again when it runs."""
from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import bounds
from portal.jobs import JobOutput
from portal.scoping import sees_everything, user_unit
from reports.aftercare.forms import OverstayForm, ScorecardForm
from reports.aftercare.overstay import overstay_report
from reports.aftercare.scorecard import DEFAULT_SORT, enterprise_scorecard
from reports.aftercare.workbooks import write_overstay_workbook, write_scorecard_workbook
from reports.forms import report_units
from workers.contracts import add_months
from workers.models import OverstayRule
from workers.overstay import Thresholds

DEFAULT_YEARS = 5  # the scorecard's default period: the departures of the last five years
OVERSTAY_EXPORT_LABEL = gettext_lazy("Overstay and suspension risk (Excel)")
SCORECARD_EXPORT_LABEL = gettext_lazy("Enterprise scorecard (Excel)")


def default_unit(user):
    return user_unit(user) or report_units(user).filter(parent__isnull=True).first()


def unit_or_404(user, query: QueryDict) -> None:
    """A unit outside the user's scope answers 404, as everywhere else."""
    wanted = query.get("unit")
    if wanted and (bounds.param_id(wanted) is None
                   or not report_units(user).filter(pk=bounds.param_id(wanted)).exists()):
        raise Http404


def overstay_params(user, query: QueryDict):
    """``(form, params, has_rules)``: the report's arguments the form asks for (the latest rule and the user's
    unit when nothing is asked; None when there is nothing to show) and whether any rule exists."""
    unit_or_404(user, query)
    latest = OverstayRule.objects.select_related("programme").order_by("-year", "programme__code").first()
    form = OverstayForm(query or None, user=user, initial={"rule": latest, "unit": default_unit(user)})
    if form.is_bound:
        if not form.is_valid():
            return form, None, latest is not None
        rule, unit, as_of = form.cleaned_data["rule"], form.cleaned_data["unit"], form.cleaned_data["as_of"]
    else:
        rule, unit, as_of = latest, default_unit(user), None
    if rule is None or unit is None:
        return form, None, latest is not None
    as_of = as_of or min(rule.as_of, timezone.localdate())
    return form, {"unit": unit, "programme": rule.programme, "thresholds": Thresholds.of(rule), "as_of": as_of,
                  "rule": rule}, True


def overstay_choice(user, query: QueryDict):
    """The form, the report it asks for and whether any rule exists."""
    form, params, has_rules = overstay_params(user, query)
    return form, overstay_report(**params) if params else None, has_rules


def scorecard_params(user, query: QueryDict):
    """``(form, params)``: the scorecard's arguments the form asks for (None when the form is invalid)."""
    unit_or_404(user, query)
    today = timezone.localdate()
    defaults = {"unit": default_unit(user) if not sees_everything(user) else None,
                "date_from": add_months(today, -12 * DEFAULT_YEARS), "date_to": today, "sort": DEFAULT_SORT}
    form = ScorecardForm(query or None, user=user, initial=defaults)
    data = dict(defaults, programme=None)
    if form.is_bound:
        if not form.is_valid():
            return form, None
        given = form.cleaned_data
        data = {"unit": given["unit"] or defaults["unit"], "programme": given["programme"],
                "sort": given["sort"] or DEFAULT_SORT, "date_from": given["date_from"] or defaults["date_from"],
                "date_to": given["date_to"] or today}
    return form, dict(data, today=today)


def scorecard_choice(user, query: QueryDict):
    """The form and the scorecard it asks for (None when the form is invalid)."""
    form, params = scorecard_params(user, query)
    return form, enterprise_scorecard(**params) if params else None


def _out_of_scope() -> PermissionError:
    return PermissionError(_("This unit is outside your scope."))


def overstay_export(user, query: QueryDict, *, job=None) -> JobOutput:
    try:
        _form, report, _has_rules = overstay_choice(user, query)
    except Http404:
        raise _out_of_scope() from None
    if report is None:
        raise ValueError(_("The filters of this export are no longer valid: open the screen and export again."))
    name = f"nguy-co-tam-dung-{report.programme.code}-{report.unit.code}-{report.as_of:%Y%m%d}.xlsx"
    return JobOutput(result={"unit": report.unit.code}, filename=name,
                     write=lambda fileobj: write_overstay_workbook(report, fileobj))


def scorecard_export(user, query: QueryDict, *, job=None) -> JobOutput:
    try:
        _form, card = scorecard_choice(user, query)
    except Http404:
        raise _out_of_scope() from None
    if card is None:
        raise ValueError(_("The filters of this export are no longer valid: open the screen and export again."))
    where = card.unit.code if card.unit else "toan-quoc"
    return JobOutput(result={"unit": where}, filename=f"danh-gia-doanh-nghiep-{where}-{card.today:%Y%m%d}.xlsx",
                     write=lambda fileobj: write_scorecard_workbook(card, fileobj))
