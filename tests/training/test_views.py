"""The training screens: scope (a class of another unit is 404), enrolling from the class and from the worker, the
over-capacity confirmation, results, the worker page's section, and flat query counts."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tests.training.factories import days, make_class, vn
from training import services
from training.models import Enrolment, Result

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are matched in English below (the portal speaks Vietnamese first)."""
    with translation.override("en"):
        yield


@pytest.fixture
def classes(users, units):
    return {
        "province": make_class(users.province, units.province, code="TINH-01", name="Lớp của tỉnh"),
        "a": make_class(users.official_a, units.a, code="NS-01", name="Lớp của Ninh Sơn"),
        "b": make_class(users.official_b, units.b, code="BA-01", name="Lớp của Bác Ái"),
    }


class ClassScopeTests:
    def test_a_class_of_another_district_is_404_on_every_page(self, classes, users, client_for):
        client = client_for(users.official_a)
        for name in ("training:class_detail", "training:class_edit", "training:class_enrol"):
            url = reverse(name, args=[classes["b"].pk])
            assert client.get(url).status_code == 404, name
            assert client.post(url).status_code == 404, name
        assert client_for(users.official_b).get(reverse("training:class_detail", args=[classes["b"].pk])).status_code == 200

    def test_the_provinces_class_is_seen_by_every_district_and_changed_by_the_province(self, classes, users,
                                                                                      client_for):
        url = reverse("training:class_detail", args=[classes["province"].pk])
        for user in (users.official_a, users.official_b, users.viewer, users.province):
            assert client_for(user).get(url).status_code == 200
        edit = reverse("training:class_edit", args=[classes["province"].pk])
        assert client_for(users.official_a).get(edit).status_code == 403
        assert client_for(users.province).get(edit).status_code == 200
        assert client_for(users.viewer).get(edit).status_code == 403

    def test_the_list_shows_only_the_classes_the_user_sees(self, classes, users, units, client_for):
        body = client_for(users.official_a).get(reverse("training:index")).content.decode()
        assert "TINH-01" in body and "NS-01" in body and "BA-01" not in body
        assert client_for(users.official_a).get(reverse("training:index"), {"unit": units.b.pk}).status_code == 404
        assert "BA-01" in client_for(users.province).get(reverse("training:index")).content.decode()
        assert client_for(users.nobody).get(reverse("training:index")).status_code == 200

    def test_enrolments_of_another_districts_workers_are_not_shown_in_a_shared_class(
            self, classes, users, units, make_worker, client_for):
        shared = classes["province"]
        services.enrolment_create(user=users.official_a, training_class=shared, worker=make_worker(full_name="Lê Văn Sơn"))
        services.enrolment_create(user=users.official_b, training_class=shared,
                                  worker=make_worker(units.commune_b, full_name="Pinăng Thị Ái"))
        url = reverse("training:class_detail", args=[shared.pk])
        body = client_for(users.official_a).get(url).content.decode()
        assert "Lê Văn Sơn" in body and "Pinăng Thị Ái" not in body
        assert "2 / 10" in body  # the seats taken are the class's, whoever took them
        body = client_for(users.province).get(url).content.decode()
        assert "Lê Văn Sơn" in body and "Pinăng Thị Ái" in body
        enrolment_b = Enrolment.objects.get(worker__full_name="Pinăng Thị Ái")
        assert client_for(users.official_a).get(reverse("training:enrolment_edit", args=[enrolment_b.pk])).status_code == 404


class EnrolScreenTests:
    def test_an_official_finds_and_enrols_workers_of_their_units(self, classes, users, units, make_worker, client_for):
        mine, theirs = make_worker(full_name="Trần Văn Học"), make_worker(units.commune_b, full_name="Trần Văn Khác")
        client = client_for(users.official_a)
        url = reverse("training:class_enrol", args=[classes["province"].pk])
        body = client.get(url, {"q": "Trần"}).content.decode()
        assert "Trần Văn Học" in body and "Trần Văn Khác" not in body
        response = client.post(f"{url}?q=Trần", {"workers": [theirs.pk]})
        assert response.status_code == 200 and not Enrolment.objects.exists()  # not a choice: refused, nothing saved
        response = client.post(f"{url}?q=Trần", {"workers": [mine.pk]})
        assert response.status_code == 302
        assert Enrolment.objects.get().worker == mine

    def test_over_capacity_asks_for_a_confirmation(self, users, units, make_worker, client_for):
        small = make_class(users.province, units.province, capacity=10)
        services.enrolments_create(user=users.province, training_class=small, workers=[make_worker() for _ in range(10)])
        late = make_worker(full_name="Nguyễn Văn Muộn")
        client = client_for(users.official_a)
        url = reverse("training:class_enrol", args=[small.pk])
        response = client.post(f"{url}?q=Muộn", {"workers": [late.pk]})
        assert response.status_code == 200 and b'data-testid="over-capacity"' in response.content
        assert small.enrolments.count() == 10
        response = client.post(f"{url}?q=Muộn", {"workers": [late.pk], "confirm_over_capacity": "on"})
        assert response.status_code == 302 and small.enrolments.count() == 11

    def test_from_the_worker_page(self, classes, users, make_worker, client_for):
        running = make_class(users.province, classes["province"].unit, code="OPEN-1", start_date=days(-3),
                             end_date=days(40))
        worker = make_worker()
        detail = client_for(users.official_a).get(reverse("workers:worker_detail", args=[worker.pk]))
        assert reverse("training:worker_enrol", args=[worker.pk]).encode() in detail.content
        response = client_for(users.official_a).post(reverse("training:worker_enrol", args=[worker.pk]),
                                                     {"training_class": running.pk})
        assert response.status_code == 302
        assert worker.enrolments.get().training_class == running
        body = client_for(users.official_a).get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
        assert 'data-testid="worker-training"' in body and "OPEN-1" in body
        # Another district's class is not a choice.
        response = client_for(users.official_a).post(reverse("training:worker_enrol", args=[worker.pk]),
                                                     {"training_class": classes["b"].pk})
        assert response.status_code == 200 and worker.enrolments.count() == 1


class ResultScreenTests:
    def test_a_certificate_before_the_class_is_shown_beside_its_field_and_nothing_saved(
            self, classes, users, make_worker, client_for):
        enrolment = services.enrolment_create(user=users.province, training_class=classes["province"],
                                              worker=make_worker())
        url = reverse("training:enrolment_edit", args=[enrolment.pk])
        response = client_for(users.province).post(url, {
            "result": Result.PASSED, "certificate_no": "N5-1", "certificate_date": vn(days(-200)), "level": "JLPT N5"})
        assert response.status_code == 200
        assert "trước ngày khai giảng lớp" in str(response.context["form"].errors["certificate_date"])  # the screen speaks Vietnamese
        enrolment.refresh_from_db()
        assert enrolment.certificate_no == ""
        response = client_for(users.province).post(url, {
            "result": Result.PASSED, "certificate_no": "N5-1", "certificate_date": vn(days(-2)), "level": "JLPT N5",
            "attendance": "95"})
        assert response.status_code == 302
        enrolment.refresh_from_db()
        assert (enrolment.level, enrolment.attendance) == ("JLPT N5", 95)

    def test_the_rule_page_is_the_provinces_to_change(self, users, units, client_for):
        assert client_for(users.official_a).get(reverse("training:rules")).status_code == 200
        assert client_for(users.official_a).post(reverse("training:rules"),
                                                 {"over_capacity_percent": "50"}).status_code == 403
        assert client_for(users.province).post(reverse("training:rules"),
                                               {"over_capacity_percent": "25"}).status_code == 302
        assert client_for(users.nobody).get(reverse("training:rules")).status_code == 404
        admin = client_for(users.admin)
        assert admin.post(f"{reverse('training:rules')}?province={units.province.pk}",
                          {"over_capacity_percent": "30"}).status_code == 302
        assert services.over_capacity_percent(units.a) == 30


class QueryCountTests:
    def test_the_class_list_and_page_run_a_fixed_number_of_queries(self, users, units, make_worker, client_for,
                                                                    django_assert_max_num_queries):
        client = client_for(users.province)
        first = make_class(users.province, units.province, capacity=500)
        services.enrolments_create(user=users.province, training_class=first, workers=[make_worker()])

        def counts() -> tuple[int, int]:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as listing:
                assert client.get(reverse("training:index")).status_code == 200
            with CaptureQueriesContext(connection) as page:
                assert client.get(reverse("training:class_detail", args=[first.pk])).status_code == 200
            return len(listing), len(page)

        small = counts()
        for _ in range(15):
            make_class(users.province, units.province)
        services.enrolments_create(user=users.province, training_class=first,
                                   workers=[make_worker() for _ in range(30)])
        with django_assert_max_num_queries(small[0]):
            assert client.get(reverse("training:index")).status_code == 200
        with django_assert_max_num_queries(small[1]):
            assert client.get(reverse("training:class_detail", args=[first.pk])).status_code == 200
        assert small[0] <= 10 and small[1] <= 12
