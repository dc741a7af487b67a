"""The after-departure screens: the units at risk of the suspension rule, the enterprises' scorecard, their
workbooks; the enterprise's own card (a section of its page) and the dashboard's warning come from here too."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.exports import export_start
from portal.scoping import sees_everything, user_unit
from reports.aftercare.exports import (
    DEFAULT_YEARS,
    overstay_choice,
    overstay_params,
    scorecard_choice,
    scorecard_params,
)
from reports.aftercare.scorecard import enterprise_card
from workers.contracts import add_months

COLUMNS = [("name", _("Enterprise")), ("departures", _("Departed")), ("early", _("Returned early")),
           ("early_rate", _("% early")), ("absconded", _("Absconded")), ("absconded_rate", _("% absconded")),
           ("overstayed", _("Overstayed")), ("overstayed_rate", _("% overstayed")), ("complaints", _("Complaints")),
           ("status", _("Licence"))]


def _overstay(request):
    return overstay_choice(request.user, request.GET)  # a unit outside the scope: 404


@login_required
def overstay(request):
    form, report, has_rules = _overstay(request)
    return render(request, "reports/aftercare/overstay.html", {
        "form": form, "report": report, "has_rules": has_rules, "query": request.GET.urlencode()})


@login_required
def overstay_export(request):
    """A report job writes the workbook (``reports.aftercare.exports.overstay_export``)."""
    _form, params, _has_rules = overstay_params(request.user, request.GET)  # another unit: 404 now
    if params is None:
        raise Http404
    return export_start(request, "overstay")


def _scorecard(request):
    return scorecard_choice(request.user, request.GET)  # a unit outside the scope: 404


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
    """A report job writes the workbook (``reports.aftercare.exports.scorecard_export``)."""
    _form, params = scorecard_params(request.user, request.GET)  # another unit: 404 now
    if params is None:
        raise Http404
    return export_start(request, "scorecard")


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
