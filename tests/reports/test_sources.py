"""Two sources of one figure: the dashboard and the progress report say which source they show, and when the
registry and the approved monthly figures disagree for the period beyond the tolerance, show both and link to
the reconciliation."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import JobStatus, ReportJob
from reports.dashboard import dashboard_data
from reports.progress import sources_compared
from targets.models import Quota
from tests.reports.progress_data import approved_figures, communes, depart

pytestmark = pytest.mark.django_db


def this_year_with(units, *, registry: int, figures: int) -> dt.date:
    today = timezone.localdate()
    first = dt.date(today.year, 1, 1)
    Quota.objects.create(unit=units.a, year=today.year, target=50)
    for _ in range(registry):
        depart(communes("585")[0], first, "JP")
    approved_figures(units.a, first, departed=figures)
    return today


class SourcesComparedTests:
    def test_a_difference_within_the_tolerance_is_not_a_disagreement(self):
        line = lambda registry, figures: {"registry": registry, "figures": figures}  # noqa: E731
        assert sources_compared([line(19, 20)], shown="registry")["differs"] is False  # 1 ≤ 2 workers
        assert sources_compared([line(100, 105)], shown="registry")["differs"] is False  # 5 ≤ 5 % of 105
        check = sources_compared([line(19, 400), line(0, 19), line(3, None)], shown="figures")
        assert (check["registry"], check["figures"], check["difference"], check["differs"]) == (22, 419, -397, True)
        assert check["shown"] == "figures"

    def test_the_month_under_way_is_left_out_and_named(self):
        lines = [{"month": "2026-10-01", "registry": 18, "figures": 15}, {"month": "2026-11-01", "registry": 2,
                                                                            "figures": None}]
        check = sources_compared(lines, shown="registry", before=dt.date(2026, 11, 30))
        assert (check["registry"], check["figures"], check["through"]) == (18, 15, "10/2026")
        # A period that ended before this month: everything compared, no month named.
        assert sources_compared(lines[:1], shown="registry", before=dt.date(2026, 11, 30))["through"] == ""


class DashboardSourcesTests:
    def test_the_dashboard_names_its_source_and_says_when_the_figures_disagree(self, users, units, client_for):
        today = this_year_with(units, registry=3, figures=40)
        data = dashboard_data(users.official_a, today=today)
        assert data["total"].departed == 3
        assert (data["sources"]["registry"], data["sources"]["figures"], data["sources"]["differs"]) == (3, 40, True)
        html = client_for(users.official_a).get(reverse("home")).content.decode()
        assert 'data-testid="figures-source"' in html and "sổ đăng ký người lao động" in html
        warning = html.split('data-testid="sources-differ"')[1].split("</div>")[0]
        assert "3 lao động xuất cảnh theo sổ đăng ký" in warning and "40 theo số liệu hằng tháng đã duyệt" in warning
        link = reverse("progress:reconciliation") + f"?unit={units.a.pk}&amp;period=year&amp;year={today.year}"
        assert link in warning
        assert client_for(users.official_a).get(link.replace("&amp;", "&")).status_code == 200

    def test_agreeing_sources_show_the_source_alone(self, users, units, client_for):
        this_year_with(units, registry=3, figures=3)
        html = client_for(users.official_a).get(reverse("home")).content.decode()
        assert 'data-testid="figures-source"' in html and 'data-testid="sources-differ"' not in html

    def test_another_units_official_sees_neither_the_figures_nor_the_warning(self, users, units, client_for):
        this_year_with(units, registry=3, figures=40)
        data = dashboard_data(users.official_b)
        assert (data["sources"]["registry"], data["sources"]["figures"], data["sources"]["differs"]) == (0, 0, False)
        html = client_for(users.official_b).get(reverse("home")).content.decode()
        assert 'data-testid="sources-differ"' not in html


class ProgressResultSourcesTests:
    @pytest.mark.parametrize("source", ["registry", "figures"])
    def test_the_progress_report_shows_both_sources_when_they_disagree(self, eager, users, units, client_for,
                                                                        django_capture_on_commit_callbacks, source):
        today = this_year_with(units, registry=3, figures=40)
        client = client_for(users.official_a)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("progress:form"), {"unit": units.a.pk, "period": "year", "year": today.year,
                                                   "source": source})
        job = ReportJob.objects.get()
        assert job.status == JobStatus.DONE, job.error
        assert job.result["sources"]["shown"] == source
        assert (job.result["sources"]["registry"], job.result["sources"]["figures"]) == (3, 40)
        html = client.get(reverse("progress:result", args=[job.pk])).content.decode()
        named = html.split('data-testid="figures-source">')[1].split("</p>")[0]
        assert ("số liệu hằng tháng đã duyệt" if source == "figures" else "sổ đăng ký người lao động") in named
        warning = html.split('data-testid="sources-differ"')[1].split("</div>")[0]
        assert reverse("progress:reconciliation") + f"?unit={units.a.pk}&amp;period=range" in warning
        # Another unit's official cannot read the result (nor its figures).
        assert client_for(users.official_b).get(reverse("progress:result", args=[job.pk])).status_code == 404
