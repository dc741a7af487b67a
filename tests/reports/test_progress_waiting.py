"""The waiting count at the end of a period: the stays (``StatusChange.ended_at``) against each worker's timeline."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.tree import UnitTree
from reports.progress import Period, progress_rows
from reports.progress.queries import _day_after, _waiting_by_unit, _waiting_from_history
from tests.reports.progress_data import communes, make_worker, timeline
from workers.models import Worker


def history_counts(root, period: Period) -> list[tuple[int, int]]:
    """The waiting count read from every worker's timeline (the way it was always counted)."""
    tree = UnitTree(root)
    return sorted(_waiting_from_history(Worker.objects.filter(tree.q("unit")), _day_after(period.end)))


@pytest.fixture
def timelines(units):
    """Workers of Ninh Sơn, Bác Ái and Phan Rang – Tháp Chàm whose timelines end in each status, some of them today."""
    today = timezone.localdate()
    son, ai = communes("585"), communes("584")
    phan_rang = communes("582")
    steps = {
        "training since last year": (son[0], [("registered", dt.date(2025, 1, 5)), ("training", dt.date(2025, 3, 1))]),
        "waiting since today": (son[1], [("training", dt.date(2025, 6, 1)), ("waiting", today)]),
        "withdrew today": (son[2], [("waiting", dt.date(2025, 2, 1)), ("withdrawn", today)]),
        "departed": (ai[0], [("training", dt.date(2025, 2, 1)), ("waiting", dt.date(2025, 5, 1)),
                             ("departed", dt.date(2025, 9, 1))]),
        "waiting in Bác Ái": (ai[1], [("registered", dt.date(2024, 1, 5)), ("waiting", dt.date(2024, 8, 1))]),
        "registered": (ai[2], [("registered", dt.date(2025, 1, 5))]),
        "waiting in Phan Rang": (phan_rang[0], [("waiting", dt.date(2025, 4, 1))]),
    }
    workers = {}
    for name, (home, changes) in steps.items():
        workers[name] = make_worker(home)
        timeline(workers[name], *changes)
    make_worker(son[3], status="waiting")  # no timeline: never counted, by either path
    return workers


@pytest.mark.django_db
class WaitingShortcutTests:
    def test_for_a_period_ending_today_the_current_status_and_the_timelines_give_the_same_count(
            self, units, timelines, django_assert_max_num_queries):
        today = timezone.localdate()
        period = Period.between(dt.date(today.year, 1, 1), today)
        history = history_counts(units.province, period)
        assert sum(n for _uid, n in history) == 4  # training since last year, waiting since today, Bác Ái, Phan Rang
        assert _waiting_by_unit(UnitTree(units.province), period) == history
        tree = UnitTree(units.province)
        with django_assert_max_num_queries(3):  # the open stays, the stays ended since (none) and their enterprises
            _waiting_by_unit(tree, period)
        report = progress_rows(unit=units.province, period=period, today=today)
        assert {r.code: r.waiting for r in report.rows if r.waiting} == {"585": 2, "584": 1, "582": 1}
        assert report.total.waiting == 4

    def test_a_past_period_reads_the_timelines_of_the_workers_who_moved_on_since(self, units, timelines):
        period = Period.for_year(2025, "h1")  # "withdrew today" was waiting then, "departed" too
        report = progress_rows(unit=units.province, period=period, today=dt.date(2025, 6, 30))
        assert {r.code: r.waiting for r in report.rows if r.waiting} == {"585": 3, "584": 2, "582": 1}
        assert sorted(_waiting_by_unit(UnitTree(units.province), period)) == history_counts(units.province, period)

    def test_every_day_of_two_years_gives_the_timelines_count(self, units, timelines):
        for start in (dt.date(2024, 1, 1), dt.date(2024, 7, 31), dt.date(2024, 8, 1), dt.date(2025, 3, 1),
                      dt.date(2025, 5, 1), dt.date(2025, 8, 31), dt.date(2025, 9, 1), timezone.localdate()):
            period = Period.between(dt.date(2024, 1, 1), start)
            assert _waiting_by_unit(UnitTree(units.province), period) == history_counts(units.province, period), start
