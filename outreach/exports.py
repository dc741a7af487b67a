"""The outreach exports, run as report jobs (``portal.exports``): the funnel as filtered on its screen and a
campaign's funnel. The job re-reads the filters from its query and counts only what its user sees when it runs."""
from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outreach import selectors
from outreach.forms import FunnelFilterForm
from outreach.models import Campaign
from outreach.workbooks import write_funnel_workbook
from portal import bounds
from portal.jobs import JobOutput
from portal.scoping import get_visible_or_404

FUNNEL_EXPORT_LABEL = gettext_lazy("Outreach funnel (Excel)")
CAMPAIGN_EXPORT_LABEL = gettext_lazy("Campaign funnel (Excel)")


def campaign_group(query: QueryDict) -> str:
    return query.get("group_by") if query.get("group_by") in selectors.GROUPS else "channel"


def _output(result: selectors.Funnel, name: str, title: str) -> JobOutput:
    return JobOutput(result={"activities": result.total.activities}, filename=name,
                     write=lambda fileobj: write_funnel_workbook(result.rows, fileobj, total=result.total, title=title))


def funnel_export(user, query: QueryDict, *, job=None) -> JobOutput:
    """The funnel screen's filters (a unit outside the scope is ignored there, and here)."""
    values = FunnelFilterForm(query or None, user=user).values()
    result = selectors.funnel(user=user, **values)
    title = _("Outreach funnel %(start)s – %(end)s") % {
        "start": values["date_from"].strftime("%d/%m/%Y"), "end": values["date_to"].strftime("%d/%m/%Y")}
    return _output(result, f"pheu-tuyen-truyen-{timezone.localdate():%Y%m%d}.xlsx", title)


def campaign_export(user, query: QueryDict, *, job=None) -> JobOutput:
    """A campaign the user still sees (``campaign`` in the query), its activities within the user's scope."""
    try:
        campaign = get_visible_or_404(Campaign, user, pk=bounds.param_id(query.get("campaign")))
    except Http404:
        raise PermissionError(_("This campaign is outside your scope.")) from None
    result = selectors.funnel(user=user, campaign=campaign, group_by=campaign_group(query))
    return _output(result, f"chien-dich-{campaign.pk}.xlsx", campaign.name)
