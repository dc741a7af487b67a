"""The after-departure screens: the units at risk of the suspension rule, the enterprises' scorecard, their
workbooks; the enterprise's own card (a section of its page) and the dashboard's warning come from here too."""
from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import bounds
from portal.scoping import sees_everything, user_unit
from portal.xlsx import XLSX_CONTENT_TYPE
from reports.aftercare.forms import OverstayForm, ScorecardForm
from reports.aftercare.overstay import overstay_report
from reports.aftercare.scorecard import DEFAULT_SORT, enterprise_card, enterprise_scorecard
from reports.aftercare.workbooks import write_overstay_workbook, write_scorecard_workbook
from reports.forms import report_units
from workers.contracts import add_months
from workers.models import OverstayRule
from workers.overstay import Thresholds

DEFAULT_YEARS = 5  # the scorecard's default period: the departures of the last five years
COLUMNS = [("name", _("Enterprise")), ("departures", _("Departed")), ("early", _("Returned early")),
           ("early_rate", _("% early")), ("absconded", _("Absconded")), ("absconded_rate", _("% absconded")),
           ("overstayed", _("Overstayed")), ("overstayed_rate", _("% overstayed")), ("complaints", _("Complaints")),
           ("status", _("Licence"))]


def _default_unit(user):
    return user_unit(user) or report_units(user).filter(parent__isnull=True).first()


def _unit_or_404(request) -> None:
    """A unit outside the user's scope answers 404, as everywhere else."""
    wanted = request.GET.get("unit")
    if wanted and (bounds.param_id(wanted) is None
                   or not report_units(request.user).filter(pk=bounds.param_id(wanted)).exists()):
        raise Http404


def _overstay(request):
    """The form, the report it asks for (the latest rule and the user's unit when nothing is asked) and whether
    any rule exists."""
    _unit_or_404(request)
    latest = OverstayRule.objects.select_related("programme").order_by("-year", "programme__code").first()
    form = OverstayForm(request.GET or None, user=request.user,
                        initial={"rule": latest, "unit": _default_unit(request.user)})
    if form.is_bound:
        if not form.is_valid():
            return form, None, latest is not None
        rule, unit, as_of = form.cleaned_data["rule"], form.cleaned_data["unit"], form.cleaned_data["as_of"]
    else:
        rule, unit, as_of = latest, _default_unit(request.user), None
    if rule is None or unit is None:
        return form, None, latest is not None
    as_of = as_of or min(rule.as_of, timezone.localdate())
    return form, overstay_report(unit=unit, programme=rule.programme, thresholds=Thresholds.of(rule), as_of=as_of,
                                 rule=rule), True


@login_required
def overstay(request):
    form, report, has_rules = _overstay(request)
    return render(request, "reports/aftercare/overstay.html", {
        "form": form, "report": report, "has_rules": has_rules, "query": request.GET.urlencode()})


@login_required
def overstay_export(request):
    _form, report, _has_rules = _overstay(request)
    if report is None:
        raise Http404
    out = io.BytesIO()
    write_overstay_workbook(report, out)
    out.seek(0)
    name = f"nguy-co-tam-dung-{report.programme.code}-{report.unit.code}-{report.as_of:%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _scorecard(request):
    _unit_or_404(request)
    today = timezone.localdate()
    defaults = {"unit": _default_unit(request.user) if not sees_everything(request.user) else None,
                "date_from": add_months(today, -12 * DEFAULT_YEARS), "date_to": today, "sort": DEFAULT_SORT}
    form = ScorecardForm(request.GET or None, user=request.user, initial=defaults)
    data = dict(defaults, programme=None)
    if form.is_bound:
        if not form.is_valid():
            return form, None
        given = form.cleaned_data
        data = {"unit": given["unit"] or defaults["unit"], "programme": given["programme"],
                "sort": given["sort"] or DEFAULT_SORT, "date_from": given["date_from"] or defaults["date_from"],
                "date_to": given["date_to"] or today}
    return form, enterprise_scorecard(today=today, **data)


@login_required
def scorecard(request):
    form, card = _scorecard(request)
    params = request.GET.copy()
    params.pop("sort", None)
    return render(request, "reports/aftercare/scorecard.html", {
        "form": form, "card": card, "query": request.GET.urlencode(), "base_query": params.urlencode(),
        "columns": COLUMNS})


@login_required
def scorecard_export(request):
    _form, card = _scorecard(request)
    if card is None:
        raise Http404
    out = io.BytesIO()
    write_scorecard_workbook(card, out)
    out.seek(0)
    where = card.unit.code if card.unit else "toan-quoc"
    return FileResponse(out, as_attachment=True, filename=f"danh-gia-doanh-nghiep-{where}-{card.today:%Y%m%d}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


def enterprise_card_context(request, enterprise) -> dict:
    """The section of the enterprise's page (``workers:enterprise_detail``): its card in the user's unit (the
    whole country for administrators) over the last five years, per unit below."""
    today = timezone.localdate()
    unit = None if sees_everything(request.user) else user_unit(request.user)
    if unit is None and not sees_everything(request.user):
        return {"card": None}
    card = enterprise_card(enterprise=enterprise, unit=unit, date_from=add_months(today, -12 * DEFAULT_YEARS),
                           date_to=today, today=today)
    return {"card": card}
