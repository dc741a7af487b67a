"""Issue 21: the dashboard after a write — one recompute while the others get the previous figures, marked with
their time; the whole country's dashboard comes from a task, never from the request."""
from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portal import cache_version
from reports.dashboard import dashboard_cached, dashboard_key, national_unit
from tests.reports.progress_data import communes, depart

pytestmark = pytest.mark.django_db


class StampedeTests:
    def test_one_recompute_after_a_write_while_the_others_get_the_previous_figure(self):
        computed = []

        def compute():
            computed.append(True)
            return len(computed)

        first = cache_version.cached_or_previous("k", compute, reads=cache_version.EVERYTHING)
        assert (first.value, first.stale, first.computed_here) == (1, False, True)
        assert cache_version.cached_or_previous("k", compute).value == 1 and computed == [True]
        cache_version.bump()
        # Another request is recomputing (it holds the key's lock): this one gets the previous figure, marked.
        assert cache.add("figures:k:lock", "elsewhere", timeout=60)
        meanwhile = cache_version.cached_or_previous("k", compute)
        assert (meanwhile.value, meanwhile.stale, meanwhile.computed_at is not None) == (1, True, True)
        assert computed == [True]
        cache_version.release_refresh("k")
        after = cache_version.cached_or_previous("k", compute)
        assert (after.value, after.stale, after.computed_here) == (2, False, True)

    def test_without_a_previous_figure_a_caller_waits_for_the_one_computing(self):
        assert cache.add("figures:w:lock", "elsewhere", timeout=60)
        stamp = cache_version.figures_stamp(cache_version.EVERYTHING)
        with mock.patch("portal.cache_version.time.sleep",
                        side_effect=lambda _s: cache_version.store_figures("w", "theirs", stamp)):
            got = cache_version.cached_or_previous("w", lambda: "mine")
        assert got.value == "theirs" and not got.computed_here

    def test_nothing_kept_means_every_request_computes(self, settings):
        settings.FIGURES_CACHE_SECONDS = 0
        values = iter((1, 2))
        assert [cache_version.cached_or_previous("z", lambda: next(values)).value for _ in range(2)] == [1, 2]


@pytest.mark.usefixtures("celery_eager")  # the country's dashboard is a task's
class NationalDashboardTests:
    def test_an_administrator_sees_the_whole_country_computed_by_the_task(self, users, units, client_for):
        depart(communes("585")[0], dt.date(timezone.localdate().year, 1, 2), "JP")
        page = client_for(users.admin).get(reverse("home"))
        dashboard = page.context["dashboard"]
        # Without a broker the task ran in-process: the figures are there. Only the legacy structure is loaded
        # here: the country is reported in it, not in the empty 2025 one in force.
        assert dashboard["unit"].name == "Toàn quốc" and not dashboard.get("pending")
        assert dashboard["unit"].structure == "legacy" and dashboard["total"].departed == 1
        assert "toàn quốc đã đưa 1 lao động" in dashboard["sentence"]
        assert 'data-testid="dashboard"' in page.content.decode()

    def test_the_request_never_computes_the_country(self, users, units):
        today = timezone.localdate()
        with mock.patch("reports.dashboard.send_task") as send, \
                mock.patch("reports.dashboard.dashboard_for_unit", side_effect=AssertionError("computed inline")):
            first = dashboard_cached(users.admin, today=today)
        assert first["pending"] is True and send.call_count == 1
        # The task computes and keeps it; after a write the next request gets those figures, marked stale,
        # and sends one refresh.
        from reports.dashboard import dashboard_refresh
        dashboard_refresh("legacy", "vi", today)
        assert dashboard_cached(users.admin, today=today)["stale"] is False
        depart(communes("585")[0], dt.date(today.year, 1, 2), "JP")
        with mock.patch("reports.dashboard.send_task") as send, \
                mock.patch("reports.dashboard.dashboard_for_unit", side_effect=AssertionError("computed inline")):
            stale = dashboard_cached(users.admin, today=today)
            again = dashboard_cached(users.admin, today=today)
        # The previous figures (before the departure), marked stale, to both; one refresh sent.
        assert stale["stale"] is True and stale["total"].departed == 0 and again["stale"] is True
        assert send.call_count == 1  # one refresh for both requests
        assert dashboard_key(national_unit("legacy"), "vi", today).startswith("dashboard:national-legacy:")


class ProvinceDashboardTests:
    """With a broker, a province's figures after a write come from a task of the reports' queue: no web process
    spends the recompute; without a previous figure (the first of the day) and without a broker, the request
    computes them."""

    def test_with_a_broker_the_recompute_after_a_write_is_a_task(self, users, units, settings):
        settings.DASHBOARD_REFRESH_TASKS = True
        today = timezone.localdate()
        commune = communes("585")[0]
        depart(commune, dt.date(today.year, 1, 2), "JP")
        with mock.patch("reports.dashboard.send_task") as send:
            first = dashboard_cached(users.official_a, today=today)  # no previous figure: computed here
        assert first["from_cache"] is False and first["total"].departed == 1 and send.call_count == 0
        depart(commune, dt.date(today.year, 1, 3), "JP")
        with mock.patch("reports.dashboard.send_task") as send, \
                mock.patch("reports.dashboard.dashboard_for_unit", side_effect=AssertionError("computed inline")):
            stale = dashboard_cached(users.official_a, today=today)
            again = dashboard_cached(users.official_a, today=today)
        assert (stale["stale"], stale["total"].departed, again["stale"]) == (True, 1, True)
        unit = stale["unit"]
        send.assert_called_once_with("reports.tasks.refresh_unit_dashboard", unit.pk, "vi", today.isoformat())
        # The task (run here by hand, as the worker would) keeps the new figures and frees the lock.
        from reports.tasks import refresh_unit_dashboard
        refresh_unit_dashboard(unit.pk, "vi", today.isoformat())
        fresh = dashboard_cached(users.official_a, today=today)
        assert (fresh["stale"], fresh["total"].departed, fresh["from_cache"]) == (False, 2, True)

    @staticmethod
    def _shown_then_a_departure(user) -> dt.date:
        """The dashboard computed once (none departed), then a departure: today."""
        today = timezone.localdate()
        dashboard_cached(user, today=today)
        depart(communes("585")[0], dt.date(today.year, 1, 2), "JP")
        return today

    def test_a_broker_that_does_not_answer_leaves_the_previous_figures(self, users, units, settings, caplog):
        settings.DASHBOARD_REFRESH_TASKS = True
        today = self._shown_then_a_departure(users.official_a)
        from kombu.exceptions import OperationalError
        with mock.patch("reports.tasks.refresh_unit_dashboard.apply_async", side_effect=OperationalError("down")):
            shown = dashboard_cached(users.official_a, today=today)
        assert shown["stale"] is True and shown["total"].departed == 0
        assert "not refreshed now" in caplog.text

    def test_without_a_broker_the_request_computes(self, users, units):
        today = self._shown_then_a_departure(users.official_a)
        with mock.patch("reports.dashboard.send_task", side_effect=AssertionError("no task without a broker")):
            fresh = dashboard_cached(users.official_a, today=today)
        assert (fresh["stale"], fresh["total"].departed, fresh["from_cache"]) == (False, 1, False)

    def test_the_page_marks_figures_being_updated(self, users, units, settings, client_for):
        """What the load test waits on before measuring a warm page (scale.benchmark._COMPUTING)."""
        from scale.benchmark import _COMPUTING

        settings.DASHBOARD_REFRESH_TASKS = True
        client = client_for(users.official_a)
        first = client.get(reverse("home")).content
        assert not any(marker in first for marker in _COMPUTING)
        depart(communes("585")[0], dt.date(timezone.localdate().year, 1, 2), "JP")
        with mock.patch("reports.dashboard.send_task"):
            stale = client.get(reverse("home")).content
        assert _COMPUTING[1] in stale
