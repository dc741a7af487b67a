"""The demo of "ready to depart": classes by the employment service centre and a demo sending enterprise with JLPT
N5/N4 certificates and EPS-TOPIK scores, workers due to depart with incomplete files, the plan's coverage goals
measured and the source-creation targets of 2026; loading twice changes nothing."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from portal.demo import load_demo_accounts, load_demo_units
from portal.models import Structure, Unit
from reports.pool import pool_summary
from reports.progress import Period, progress_rows
from reports.sourcing import source_progress
from support import demo as support_demo
from targets import demo as targets_demo
from targets import goals_demo
from targets.models import SourceQuota
from training import demo
from training.models import Enrolment, OrganiserKind, Result, TrainingClass
from workers import checklist
from workers import demo as workers_demo
from workers.models import ChecklistEntry, ExpectedDeparture

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (TrainingClass.objects.count(), Enrolment.objects.count(), ChecklistEntry.objects.count(),
            ExpectedDeparture.objects.count(), SourceQuota.objects.count())


class TrainingDemoTests:
    def test_the_demo_shows_every_part_and_loads_once(self):
        load_demo_units()
        load_demo_accounts()
        targets_demo.load()
        workers_demo.load()
        support_demo.load()
        first = demo.load()
        assert "classes created 7" in first
        goals_demo.load()
        before = counts()
        assert demo.load().startswith("classes created 0, enrolments created 0, expected departures created 0, "
                                      "checklist entries created 0")
        assert goals_demo.load() == "coverage goals added 0, source-creation targets set 0"
        assert counts() == before

        organisers = set(TrainingClass.objects.values_list("organiser_kind", flat=True))
        assert {OrganiserKind.EMPLOYMENT_CENTRE, OrganiserKind.ENTERPRISE} <= organisers
        levels = set(Enrolment.objects.exclude(certificate_no="").values_list("level", flat=True))
        assert {"JLPT N5", "JLPT N4", "EPS-TOPIK"} <= levels
        assert Enrolment.objects.filter(level="EPS-TOPIK", score__gte=100).exists()
        assert Enrolment.objects.filter(result=Result.DROPPED).exists()

        admin = get_user_model().objects.get(username="admin")
        due = checklist.due_to_depart(admin)
        assert len(due) >= 5 and all(row.missing for row in due)
        province = Unit.objects.get(structure=Structure.LEGACY, code="58")
        pool = pool_summary(admin, unit=province, dimension="enterprise")
        assert sum(line.total for line in pool.lines if line.key is not None) > pool.total.total // 2

        report = progress_rows(unit=province, period=Period.for_year(2026))
        kinds = {line["kind"]: line for line in report.goal_lines}
        assert set(kinds) == {"orientation", "skilled", "high_income", "communes"}
        assert all(line["measured"] is not None for line in kinds.values())
        assert report.waiting_at_enterprises > 0
        rows = source_progress(unit=province, year=2026)
        assert rows[-1].candidates_target == 100 and rows[-1].registered > 0 and rows[-1].trained > 0
