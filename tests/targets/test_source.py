"""Source-creation targets ("chỉ tiêu tạo nguồn"): a second kind of target, allocated down the tree like the quotas,
and its progress (candidates registered and trained in the year) shown on the same page."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from reports.sourcing import source_progress
from targets import services
from targets.models import SourceQuota
from tests.reports.progress_data import at, communes, make_worker, timeline, unit
from training.models import Enrolment, OrganiserKind, Result, TrainingClass
from workers.models import StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class SourceQuotaTests:
    def test_the_province_allocates_to_its_districts_and_an_official_to_their_communes_only(self, users, units):
        services.source_quota_allocate(user=users.province, parent=units.province, year=2026, targets={
            units.province.pk: (400, 250), units.a.pk: (60, 40), units.b.pk: (80, None)})
        assert sorted(SourceQuota.objects.values_list("unit__code", "candidates", "trained")) == [
            ("58", 400, 250), ("584", 80, None), ("585", 60, 40)]
        with pytest.raises(ValidationError):
            services.source_quota_set(user=users.official_a, unit=units.a, year=2026, candidates=70)
        services.source_quota_set(user=users.official_a, unit=units.commune_a, year=2026, candidates=12, trained=8)
        with pytest.raises(ValidationError):
            services.source_quota_set(user=users.official_a, unit=units.commune_b, year=2026, candidates=5)
        services.source_quota_allocate(user=users.province, parent=units.province, year=2026,
                                       targets={units.b.pk: (None, None)})
        assert not SourceQuota.objects.filter(unit=units.b).exists()

    def test_the_screen_saves_the_table_and_refuses_trained_without_candidates(self, users, units, client_for):
        client = client_for(users.province)
        url = f"{reverse('targets:source_table')}?parent={units.province.pk}&year=2026"
        assert client.get(url).status_code == 200
        response = client.post(url, {f"c{units.province.pk}": "400", f"t{units.a.pk}": "30"})
        assert response.status_code == 200 and not SourceQuota.objects.exists()
        response = client.post(url, {f"c{units.province.pk}": "400", f"t{units.province.pk}": "250",
                                     f"c{units.a.pk}": "1.200"})
        assert response.status_code == 302
        assert SourceQuota.objects.get(unit=units.a).candidates == 1200
        viewer = client_for(users.viewer)
        assert viewer.get(url).status_code == 200 and viewer.post(url, {}).status_code == 403
        other = f"{reverse('targets:source_table')}?parent={units.b.pk}&year=2026"
        assert client_for(users.official_a).get(other).status_code == 404


class SourceProgressTests:
    @pytest.fixture
    def year_2026(self, users, units):
        son, ai = communes("585"), communes("584")
        for n in range(3):  # registered in 2026
            timeline(make_worker(son[n]), ("registered", dt.date(2026, 2, 1 + n)))
        timeline(make_worker(son[0]), ("registered", dt.date(2025, 12, 30)))  # last year
        back = make_worker(ai[0])  # a new start in 2026 after a return
        timeline(back, ("registered", dt.date(2022, 1, 1)), ("returned", dt.date(2025, 11, 1)),
                 ("registered", dt.date(2026, 3, 1)))
        StatusChange.objects.filter(worker=back, to_status="returned").update(from_status="departed")
        StatusChange.objects.filter(worker=back, at=at(dt.date(2026, 3, 1))).update(from_status="returned")
        lesson = TrainingClass.objects.create(code="NN-26", name="Tiếng Nhật", kind="language", language="japanese",
                                              unit=units.province, organiser_kind=OrganiserKind.EMPLOYMENT_CENTRE,
                                              organiser_name="TTDVVL", start_date=dt.date(2026, 3, 2),
                                              end_date=dt.date(2026, 6, 30), capacity=30)
        earlier = TrainingClass.objects.create(code="NN-25", name="Tiếng Nhật", kind="language", language="japanese",
                                               unit=units.province, organiser_kind=OrganiserKind.EMPLOYMENT_CENTRE,
                                               organiser_name="TTDVVL", start_date=dt.date(2025, 9, 1),
                                               end_date=dt.date(2026, 1, 30), capacity=30)
        learners = [make_worker(son[4]) for _ in range(3)]
        for worker in learners:
            Enrolment.objects.create(training_class=lesson, worker=worker, enrolled_on=dt.date(2026, 3, 1))
        Enrolment.objects.filter(worker=learners[2]).update(result=Result.DROPPED)
        Enrolment.objects.create(training_class=earlier, worker=learners[0], enrolled_on=dt.date(2025, 8, 20))
        Enrolment.objects.create(training_class=earlier, worker=make_worker(son[4]), enrolled_on=dt.date(2025, 8, 20))
        services.source_quota_allocate(user=users.province, parent=units.province, year=2026, targets={
            units.province.pk: (100, 40), units.a.pk: (10, 4)})

    def test_registered_and_trained_in_the_year_against_the_targets(self, year_2026, units):
        rows = {row.code: row for row in source_progress(unit=units.province, year=2026)}
        son, total = rows["585"], rows["58"]
        assert (son.candidates_target, son.registered, son.registered_share) == (10, 3, 0.3)
        assert (son.trained_target, son.trained, son.trained_share) == (4, 2, 0.5)
        assert (rows["584"].registered, rows["584"].candidates_target) == (1, None)
        assert (total.candidates_target, total.registered, total.trained_target, total.trained) == (100, 4, 40, 2)

    def test_the_page_shows_the_progress_in_a_fixed_number_of_queries(self, year_2026, users, units, client_for,
                                                                      django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(users.province)
        url = f"{reverse('targets:source_table')}?parent={units.province.pk}&year=2026"
        with CaptureQueriesContext(connection) as few:
            body = client.get(url).content.decode()
        assert 'data-testid="source-progress"' in body
        for n in range(20):
            timeline(make_worker(communes("585")[n % 5]), ("registered", dt.date(2026, 5, 1)))
        with django_assert_max_num_queries(len(few)):
            response = client.get(url)
        assert response.status_code == 200
        assert {row.code: row.registered for row in source_progress(unit=unit("58"), year=2026)}["585"] == 23
