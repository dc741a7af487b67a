from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.export_helpers import export_response
from workers import services
from workers.models import AccessLog, Departure, Enterprise, HouseholdStatus, Return, Sex, Status, Worker

from .fixtures import cccd


@pytest.fixture
def worker_a(make_worker, users, reference):
    poor = HouseholdStatus.objects.get(code="poor")
    return make_worker(user=users.official_a, full_name="Lê Văn Riêng Tư", phone="0905123456",
                       ethnicity=reference.cham, household_statuses=[poor])


def worker_urls(worker, departure=None):
    urls = [
        ("get", reverse("workers:worker_detail", args=[worker.pk])),
        ("get", reverse("workers:worker_edit", args=[worker.pk])),
        ("post", reverse("workers:worker_edit", args=[worker.pk])),
        ("get", reverse("workers:worker_status", args=[worker.pk])),
        ("post", reverse("workers:worker_status", args=[worker.pk])),
        ("get", reverse("workers:departure_create", args=[worker.pk])),
        ("post", reverse("workers:departure_create", args=[worker.pk])),
    ]
    if departure is not None:
        urls += [("get", reverse("workers:return_create", args=[departure.pk])),
                 ("post", reverse("workers:return_create", args=[departure.pk]))]
    return urls


class ScopeTests:
    def test_another_units_official_gets_404_on_every_worker_page(self, departed, users, client_for):
        worker, departure = departed
        client = client_for(users.official_b)
        for method, url in worker_urls(worker, departure):
            assert getattr(client, method)(url).status_code == 404, (method, url)
        assert not AccessLog.objects.exists()

    def test_the_list_and_the_export_do_not_show_another_units_workers(self, worker_a, users, client_for, units):
        client = client_for(users.official_b)
        assert worker_a.full_name not in client.get(reverse("workers:worker_list")).content.decode()
        assert client.get(reverse("workers:worker_list"), {"unit": units.a.pk}).status_code == 404
        assert export_response(client, reverse("workers:worker_export"), {"unit": units.a.pk}).status_code == 404

    def test_the_own_units_official_and_the_province_see_the_worker(self, worker_a, users, client_for):
        for user in (users.official_a, users.province, users.admin, users.viewer):
            assert client_for(user).get(reverse("workers:worker_detail", args=[worker_a.pk])).status_code == 200

    def test_a_user_without_scope_sees_no_worker(self, worker_a, users, client_for):
        client = client_for(users.nobody)
        assert client.get(reverse("workers:worker_detail", args=[worker_a.pk])).status_code == 404
        assert worker_a.full_name not in client.get(reverse("workers:worker_list")).content.decode()


class ViewerTests:
    def test_a_viewer_cannot_write_anything(self, departed, users, client_for):
        worker, departure = departed
        client = client_for(users.viewer)
        urls = [(m, u) for m, u in worker_urls(worker, departure) if "edit" in u or m == "post" or "new" in u
                or "status" in u or "return" in u]
        urls += [("get", reverse("workers:worker_create")), ("post", reverse("workers:worker_create")),
                 ("get", reverse("workers:worker_import")), ("post", reverse("workers:worker_import")),
                 ("get", reverse("workers:enterprise_create")), ("post", reverse("workers:enterprise_create"))]
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 403, (method, url)
        worker.refresh_from_db()
        assert worker.version == 1 and Return.objects.count() == 0

    def test_only_the_province_and_admins_manage_enterprises(self, users, client_for, enterprises):
        url = reverse("workers:enterprise_edit", args=[enterprises.active.pk])
        assert client_for(users.official_a).get(url).status_code == 403
        assert client_for(users.province).get(url).status_code == 200
        assert client_for(users.official_a).get(reverse("workers:enterprise_list")).status_code == 200


class PersonalDataTests:
    def test_the_list_masks_the_citizen_id_even_for_admins(self, worker_a, users, client_for):
        html = client_for(users.admin).get(reverse("workers:worker_list")).content.decode()
        assert worker_a.citizen_id not in html
        assert "••••••••" + worker_a.citizen_id[-4:] in html

    def test_a_viewer_sees_a_masked_record_without_sensitive_data(self, worker_a, users, client_for):
        html = client_for(users.viewer).get(reverse("workers:worker_detail", args=[worker_a.pk])).content.decode()
        assert worker_a.citizen_id not in html and "0905123456" not in html
        assert worker_a.citizen_id[-4:] in html and "3456" in html
        assert "Chăm" not in html and "Hộ nghèo" not in html

    def test_an_official_sees_the_full_record(self, worker_a, users, client_for):
        html = client_for(users.official_a).get(reverse("workers:worker_detail", args=[worker_a.pk])).content.decode()
        assert worker_a.citizen_id in html and "0905123456" in html and "Chăm" in html and "Hộ nghèo" in html

    def test_opening_a_record_is_logged_and_admins_can_read_the_log(self, worker_a, users, client_for):
        client_for(users.viewer).get(reverse("workers:worker_detail", args=[worker_a.pk]))
        client_for(users.official_a).get(reverse("workers:worker_detail", args=[worker_a.pk]))
        logs = list(AccessLog.objects.order_by("pk").values_list("user__username", "worker_id"))
        assert logs == [("t_lanhdao", worker_a.pk), ("t_ninhson", worker_a.pk)]
        response = client_for(users.admin).get(reverse("workers:access_log"), {"username": "t_lanhdao"})
        rows = list(response.context["page"])
        assert [r.user.username for r in rows] == ["t_lanhdao"]

    def test_the_access_log_is_for_administrators_only(self, users, client_for):
        for user in (users.province, users.official_a, users.viewer):
            assert client_for(user).get(reverse("workers:access_log")).status_code == 404

    def test_the_access_log_filters_by_worker_and_date(self, worker_a, make_worker, users, client_for):
        other = make_worker()
        services.access_log_record(user=users.admin, worker=worker_a)
        services.access_log_record(user=users.admin, worker=other)
        client = client_for(users.admin)
        rows = list(client.get(reverse("workers:access_log"), {"worker": worker_a.citizen_id[-6:]}).context["page"])
        assert [r.worker for r in rows] == [worker_a]
        rows = list(client.get(reverse("workers:access_log"), {"date_from": "01/01/2020", "date_to": "02/01/2020"}).context["page"])
        assert rows == []


class ListTests:
    def test_the_list_searches_filters_and_sorts(self, make_worker, users, client_for, reference, units):
        anh = make_worker(full_name="Phạm Văn Anh")
        make_worker(full_name="Võ Văn Bảo", unit=units.commune_b)
        gone = make_worker(full_name="Đỗ Văn Cường")
        services.departure_record(user=users.admin, worker=gone, date=dt.date(2023, 5, 5), country=reference.korea)
        client = client_for(users.province)
        names = lambda **q: [w.full_name for w in client.get(reverse("workers:worker_list"), q).context["page"]]  # noqa: E731
        assert names(q="văn anh") == ["Phạm Văn Anh"]
        assert names(q=anh.citizen_id[-5:]) == ["Phạm Văn Anh"]
        assert names(unit=units.b.pk) == ["Võ Văn Bảo"]
        assert names(status="departed") == ["Đỗ Văn Cường"]
        assert names(country=reference.korea.pk, year=2023) == ["Đỗ Văn Cường"]
        assert names(year=2024) == []
        assert names(sort="-name") == list(reversed(names(sort="name")))
        assert names(sort="-departure")[0] == "Đỗ Văn Cường"

    def test_the_list_runs_a_bounded_number_of_queries(self, make_worker, users, client_for, reference, enterprises,
                                                        django_assert_max_num_queries):
        for n in range(60):
            worker = make_worker()
            if n % 2:
                services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 1, 1 + n % 28),
                                          country=reference.japan, enterprise=enterprises.active)
        client = client_for(users.province)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("workers:worker_list"), {"sort": "-departure"})
        assert len(response.context["page"]) == 50
        with django_assert_max_num_queries(12):
            client.get(reverse("workers:worker_list"), {"enterprise": enterprises.active.pk, "page": 1})

    def test_each_row_shows_the_workers_cells_escaped(self, make_worker, users, client_for, reference, units):
        """The rows are written in Python (``workers_tags.worker_rows``): the link, the masked ID, the date, the
        home commune with its district, the status's badge, the latest departure and its country."""
        gone = make_worker(full_name="Lê <b>Thị</b> & Hoa", sex=Sex.FEMALE, dob=dt.date(1999, 2, 3))
        services.departure_record(user=users.admin, worker=gone, date=dt.date(2024, 6, 7), country=reference.japan)
        old = make_worker(full_name="Trần Văn Cũ")
        Worker.objects.filter(pk=old.pk).update(citizen_id=None, legacy_id_number="123456789")
        html = client_for(users.province).get(reverse("workers:worker_list"), {"sort": "name"}).content.decode()
        row = next(r for r in html.split("<tr>") if "Hoa" in r)
        detail = reverse("workers:worker_detail", args=[gone.pk])
        assert f'<a href="{detail}">Lê &lt;b&gt;Thị&lt;/b&gt; &amp; Hoa</a>' in row
        assert f'<td class="font-monospace">••••••••{gone.citizen_id[-4:]}</td>' in row
        assert "<td>03/02/1999</td>" in row and "<td>Nữ</td>" in row
        assert f'<td>{units.commune_a.name} <span class="text-muted small">· {units.a.name}</span></td>' in row
        assert '<span class="badge text-bg-success">Đã xuất cảnh</span>' in row
        assert "<td>07/06/2024</td><td>Nhật Bản</td></tr>" in row
        old_row = next(r for r in html.split("<tr>") if "Trần Văn Cũ" in r)
        assert '•••••6789 <span class="badge text-bg-light border">CMND</span>' in old_row
        assert "<td></td><td></td></tr>" in old_row  # never departed: no date, no country
        empty = client_for(users.province).get(reverse("workers:worker_list"), {"q": "không có ai"}).content.decode()
        assert '<td colspan="8" class="text-muted">' in empty

    def test_the_index_leads_to_the_list(self, users, client_for):
        response = client_for(users.viewer).get(reverse("workers:index"))
        assert response.status_code == 302 and response.url == reverse("workers:worker_list")


def register_data(units, **extra):
    dob = dt.date(1996, 7, 8)
    return {"full_name": "Hoàng Văn Mới", "citizen_id": cccd(dob), "date_of_birth": "08/07/1996", "sex": Sex.MALE,
            "unit": units.commune_a.pk, "phone": "", **extra}


class FormTests:
    def test_an_official_registers_a_worker(self, users, client_for, units):
        response = client_for(users.official_a).post(reverse("workers:worker_create"), register_data(units))
        worker = Worker.objects.get()
        assert response.status_code == 302 and response.url == reverse("workers:worker_detail", args=[worker.pk])
        assert worker.unit == units.commune_a

    def test_a_bad_citizen_id_is_shown_beside_the_field_and_nothing_saved(self, users, client_for, units):
        response = client_for(users.official_a).post(reverse("workers:worker_create"),
                                                     register_data(units, citizen_id="058097000001"))
        assert response.status_code == 200 and "citizen_id" in response.context["form"].errors
        assert not Worker.objects.exists()

    def test_a_us_style_date_is_refused(self, users, client_for, units):
        response = client_for(users.official_a).post(reverse("workers:worker_create"),
                                                     register_data(units, date_of_birth="07/30/1996"))
        assert "date_of_birth" in response.context["form"].errors
        assert not Worker.objects.exists()

    def test_another_units_commune_is_not_offered(self, users, client_for, units):
        response = client_for(users.official_a).post(reverse("workers:worker_create"),
                                                     register_data(units, unit=units.commune_b.pk))
        assert "unit" in response.context["form"].errors
        assert not Worker.objects.exists()

    def test_a_likely_duplicate_asks_for_confirmation_then_saves(self, make_worker, users, client_for, units):
        make_worker(full_name="Hoàng Văn Mới", dob=dt.date(1996, 7, 8))
        client = client_for(users.official_a)
        response = client.post(reverse("workers:worker_create"), register_data(units))
        assert response.status_code == 200 and "confirm_duplicate" in response.context["form"].errors
        assert b'data-testid="duplicates"' in response.content
        assert Worker.objects.count() == 1
        response = client.post(reverse("workers:worker_create"), register_data(units, confirm_duplicate="on"))
        assert response.status_code == 302 and Worker.objects.count() == 2

    def test_an_edit_from_a_stale_form_is_refused_with_a_message(self, worker_a, users, client_for, units):
        services.worker_update(user=users.admin, worker=worker_a, version=1, phone="0905999999")
        data = register_data(units, full_name=worker_a.full_name, citizen_id=worker_a.citizen_id,
                             date_of_birth=worker_a.date_of_birth.strftime("%d/%m/%Y"), phone="0905111111", version=1)
        response = client_for(users.official_a).post(reverse("workers:worker_edit", args=[worker_a.pk]), data)
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        worker_a.refresh_from_db()
        assert worker_a.phone == "0905999999"

    def test_an_edit_with_the_current_version_is_saved(self, worker_a, users, client_for, units):
        data = register_data(units, full_name=worker_a.full_name, citizen_id=worker_a.citizen_id,
                             date_of_birth=worker_a.date_of_birth.strftime("%d/%m/%Y"), phone="0905111111", version=1)
        response = client_for(users.official_a).post(reverse("workers:worker_edit", args=[worker_a.pk]), data)
        assert response.status_code == 302
        worker_a.refresh_from_db()
        assert (worker_a.phone, worker_a.version) == ("0905111111", 2)

    def test_a_nonsense_status_change_shows_the_reason(self, worker_a, users, client_for):
        response = client_for(users.official_a).post(reverse("workers:worker_status", args=[worker_a.pk]),
                                                     {"to_status": Status.RETURNED})
        assert response.status_code == 200 and "to_status" in response.context["form"].errors
        worker_a.refresh_from_db()
        assert worker_a.status == Status.REGISTERED

    def test_a_departure_and_a_return_are_recorded_through_the_forms(self, worker_a, users, client_for, reference,
                                                                     enterprises):
        client = client_for(users.official_a)
        response = client.post(reverse("workers:departure_create", args=[worker_a.pk]), {
            "date": "02/05/2025", "country": reference.japan.pk, "programme": reference.titp.pk,
            "enterprise": enterprises.suspended.pk, "contract_months": "36", "orientation_cert_no": "GCN-9",
            "orientation_cert_date": "01/04/2025"})
        assert response.status_code == 302
        departure = Departure.objects.get()
        assert departure.warning and departure.has_orientation_cert
        html = client.get(reverse("workers:worker_detail", args=[worker_a.pk])).content.decode()
        assert 'data-testid="departure-warning"' in html
        response = client.post(reverse("workers:return_create", args=[departure.pk]),
                               {"date": "10/10/2025", "early": "on", "reason": "ốm"})
        assert response.status_code == 302
        worker_a.refresh_from_db()
        assert worker_a.status == Status.RETURNED and Return.objects.get().early

    def test_a_future_departure_is_refused_beside_the_date(self, worker_a, users, client_for, reference):
        tomorrow = (services.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
        response = client_for(users.official_a).post(reverse("workers:departure_create", args=[worker_a.pk]),
                                                     {"date": tomorrow, "country": reference.japan.pk})
        assert "date" in response.context["form"].errors and not Departure.objects.exists()

    def test_the_province_adds_and_edits_an_enterprise(self, users, client_for):
        client = client_for(users.province)
        response = client.post(reverse("workers:enterprise_create"), {
            "name": "Công ty Mới", "licence_no": "N-1/GP", "licence_date": "01/02/2020", "status": "active"})
        assert response.status_code == 302
        enterprise = Enterprise.objects.get(licence_no="N-1/GP")
        url = reverse("workers:enterprise_edit", args=[enterprise.pk])
        edit = {"name": "Công ty Mới", "licence_no": "N-1/GP", "licence_date": "01/02/2020", "status": "revoked"}
        refused = client.post(url, edit)  # a change of status needs its date and decision
        assert {"status_date", "status_decision"} <= refused.context["form"].errors.keys()
        client.post(url, {**edit, "status_date": "15/03/2026", "status_decision": "123/QĐ-QLLĐNN"})
        enterprise.refresh_from_db()
        assert enterprise.status == "revoked"
        assert [(c.from_status, c.to_status, c.decision_no) for c in enterprise.status_changes.order_by("pk")] == [
            ("", "active", ""), ("active", "revoked", "123/QĐ-QLLĐNN")]
        response = client.post(reverse("workers:enterprise_create"), {
            "name": "Trùng", "licence_no": "n-1/gp", "status": "active"})
        assert "licence_no" in response.context["form"].errors
        assert Enterprise.objects.count() == 1


class UrlFactoryTests:
    """The factories offered to the portal-wide URL walk make objects that only unit B sees."""

    def test_each_factory_gives_a_page_unit_b_opens_and_unit_a_cannot(self, users, units, client_for):
        from types import SimpleNamespace

        from .url_factories import FACTORIES

        env = SimpleNamespace(units=units, users=users)
        for name, factory in FACTORIES.items():
            url = reverse(name, kwargs=factory(env))
            assert client_for(users.official_b).get(url).status_code == 200, name
            assert client_for(users.official_a).get(url).status_code == 404, name
            assert client_for(users.official_a).post(url).status_code == 404, name


class QueryCountTests:
    def test_the_detail_page_and_the_access_log_run_a_bounded_number_of_queries(
            self, departed, make_worker, users, client_for, django_assert_max_num_queries):
        worker, departure = departed
        services.return_record(user=users.admin, departure=departure, date=dt.date(2025, 1, 10))
        for other in [make_worker() for _ in range(30)]:
            services.access_log_record(user=users.official_a, worker=other)
        client = client_for(users.admin)
        # The registry's own (timeline, departures, contracts, follow-ups…) and the sections other apps contribute
        # (support: payments and loans; complaints: the worker's cases; training: enrolments and the pre-departure
        # checklist; history: the historic records linked to the worker), each a fixed number of queries.
        with django_assert_max_num_queries(20):
            assert client.get(reverse("workers:worker_detail", args=[worker.pk])).status_code == 200
        with django_assert_max_num_queries(10):
            response = client.get(reverse("workers:access_log"))
        assert len(response.context["page"]) == 31
        with django_assert_max_num_queries(10):
            assert client.get(reverse("workers:enterprise_list")).status_code == 200
