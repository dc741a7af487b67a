"""The pre-departure file: the checklist's rules, the departure form's warning (never a block), the list of workers
due to depart with missing papers, and the checklist columns of the worker import."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from portal.xlsx import ImportRejected
from tests.export_helpers import export_response
from workers import checklist, services
from workers.importers import import_workers
from workers.models import ChecklistEntry, ChecklistItem, ChecklistStatus, Departure, ExpectedDeparture, Status

from .fixtures import cccd
from .test_import import HEADERS, sheet

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english():
    """The messages are matched in English below (the portal speaks Vietnamese first)."""
    with translation.override("en"):
        yield


def item(code: str) -> ChecklistItem:
    return ChecklistItem.objects.get(code=code)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def complete(user, worker, *, but=()) -> None:
    """Every required item done, except those in ``but``."""
    entries = [checklist.EntryInput(item=i, status=ChecklistStatus.DONE, date=days(-10), document_no=f"{i.code}-1")
               for i in checklist.items_for(worker.unit) if i.required and i.code not in but]
    checklist.checklist_save(user=user, worker=worker, entries=entries)


class ChecklistRuleTests:
    def test_the_items_are_data_seeded_by_the_migration(self):
        codes = list(ChecklistItem.objects.values_list("code", flat=True))
        assert codes == ["health", "language_cert", "skill_cert", "orientation_cert", "passport", "visa",
                         "contract_registered", "insurance", "welfare_fund", "loan_papers"]
        assert not item("skill_cert").required and item("health").has_result and item("passport").needs_number

    def test_a_health_result_without_a_date_is_refused_and_nothing_is_saved(self, users, make_worker):
        worker = make_worker()
        with pytest.raises(ValidationError) as error:
            checklist.checklist_save(user=users.official_a, worker=worker, entries=[
                checklist.EntryInput(item=item("passport"), status=ChecklistStatus.DONE, date=days(-3),
                                     document_no="C123"),
                checklist.EntryInput(item=item("health"), status=ChecklistStatus.FAILED)])
        assert error.value.message_dict == {"health-date": ["A result needs the date of the check."]}
        assert not ChecklistEntry.objects.exists()

    def test_a_paper_needs_its_number_and_only_a_result_can_fail(self, users, make_worker):
        worker = make_worker()
        with pytest.raises(ValidationError) as error:
            checklist.checklist_set(user=users.official_a, worker=worker, item=item("passport"),
                                    status=ChecklistStatus.DONE, date=days(-3))
        assert error.value.message_dict == {"document_no": ["Give the document number."]}
        with pytest.raises(ValidationError) as error:
            checklist.checklist_set(user=users.official_a, worker=worker, item=item("visa"),
                                    status=ChecklistStatus.FAILED, date=days(-3), document_no="V1")
        assert "status" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            checklist.checklist_set(user=users.official_a, worker=worker, item=item("health"),
                                    status=ChecklistStatus.DONE, date=days(3))
        assert error.value.message_dict == {"date": ["The date is in the future."]}

    def test_another_units_official_cannot_write_it(self, users, units, make_worker):
        worker = make_worker(units.commune_b)
        with pytest.raises(ValidationError):
            checklist.checklist_set(user=users.official_a, worker=worker, item=item("passport"),
                                    status=ChecklistStatus.DONE, date=days(-3), document_no="C1")

    def test_an_item_of_a_unit_applies_to_the_workers_below_it_only(self, users, units, make_worker):
        own = ChecklistItem.objects.create(code="criminal_record", name_vi="Lý lịch tư pháp",
                                           name_en="Criminal record", unit=units.province, order=200)
        elsewhere = ChecklistItem.objects.create(code="bac_ai_only", name_vi="Giấy riêng của Bác Ái",
                                                 name_en="Bác Ái's own paper", unit=units.b, order=201)
        mine = checklist.items_for(make_worker().unit)
        assert own in mine and elsewhere not in mine
        assert elsewhere in checklist.items_for(units.commune_b)
        with pytest.raises(ValidationError) as error:
            checklist.checklist_set(user=users.admin, worker=make_worker(), item=elsewhere,
                                    status=ChecklistStatus.DONE, date=days(-1))
        assert "does not apply" in error.value.messages[0]


class DepartureWarningTests:
    def test_the_form_lists_the_missing_items_and_the_departure_is_recorded_anyway(
            self, users, make_worker, reference, client_for):
        worker = make_worker()
        complete(users.official_a, worker, but=("visa", "insurance"))
        client = client_for(users.official_a)
        url = reverse("workers:departure_create", args=[worker.pk])
        page = client.get(url).content.decode()
        assert 'data-testid="checklist-warning"' in page
        lines = {line.item.code: line for line in client.get(url).context["checklist"]}
        assert [code for code, line in lines.items() if line.is_missing] == ["visa", "insurance"]
        # The orientation certificate recorded in the checklist is offered to the departure.
        assert client.get(url).context["form"].initial["orientation_cert_no"] == "orientation_cert-1"
        response = client.post(url, {"date": days(-1).strftime("%d/%m/%Y"), "country": reference.japan.pk,
                                     "orientation_cert_no": "orientation_cert-1",
                                     "orientation_cert_date": days(-10).strftime("%d/%m/%Y")}, follow=True)
        assert Departure.objects.filter(worker=worker).exists()
        messages = [str(m) for m in response.context["messages"]]
        assert any("Thị thực (visa)" in m or "Visa" in m for m in messages)

    def test_the_form_starts_from_the_expected_departure(self, users, make_worker, enterprises, reference,
                                                          client_for):
        worker = make_worker()
        checklist.expected_departure_set(user=users.official_a, worker=worker, enterprise=enterprises.active,
                                         programme=reference.titp)
        initial = client_for(users.official_a).get(reverse("workers:departure_create", args=[worker.pk])
                                                   ).context["form"].initial
        assert (initial["enterprise"], initial["country"], initial["programme"]) == (
            enterprises.active.pk, reference.japan.pk, reference.titp.pk)

    def test_a_complete_file_says_so(self, users, make_worker, client_for):
        worker = make_worker()
        complete(users.official_a, worker)
        page = client_for(users.official_a).get(reverse("workers:departure_create", args=[worker.pk])).content
        assert b'data-testid="checklist-complete"' in page and b'data-testid="checklist-warning"' not in page


class ChecklistPageTests:
    def test_the_page_saves_the_checklist_and_the_expected_departure(self, users, make_worker, enterprises,
                                                                     reference, client_for):
        worker = make_worker()
        client = client_for(users.official_a)
        url = reverse("workers:worker_checklist", args=[worker.pk])
        form = client.get(url).context["form"]
        data = {name: (value or "") if not hasattr(value, "strftime") else value.strftime("%d/%m/%Y")
                for name, value in form.initial.items()}
        data.update({"save_checklist": "1", "health-status": "done", "health-date": "", "passport-status": "done",
                     "passport-date": days(-4).strftime("%d/%m/%Y"), "passport-document_no": "C7654321"})
        response = client.post(url, data)
        assert response.status_code == 200  # the health check's date is missing
        assert response.context["form"].errors["health-date"] == ["Kết quả phải kèm ngày kiểm tra."]  # the screen speaks Vietnamese
        assert not ChecklistEntry.objects.exists()
        data["health-date"] = days(-5).strftime("%d/%m/%Y")
        assert client.post(url, data).status_code == 302
        assert set(worker.checklist.values_list("item__code", "status")) == {("health", "done"), ("passport", "done")}
        response = client.post(url, {"save_expected": "1", "enterprise": enterprises.active.pk,
                                     "programme": reference.titp.pk, "date": days(20).strftime("%d/%m/%Y")})
        assert response.status_code == 302, response.context["expected_form"].errors
        expected = ExpectedDeparture.objects.get(worker=worker)
        assert (expected.enterprise, expected.country, expected.date) == (enterprises.active, reference.japan, days(20))

    def test_another_unit_gets_404_and_a_viewer_reads_without_numbers(self, users, units, make_worker, client_for):
        worker = make_worker()
        checklist.checklist_set(user=users.official_a, worker=worker, item=item("passport"),
                                status=ChecklistStatus.DONE, date=days(-3), document_no="C7654321")
        url = reverse("workers:worker_checklist", args=[worker.pk])
        assert client_for(users.official_b).get(url).status_code == 404
        assert client_for(users.official_b).post(url, {"save_checklist": "1"}).status_code == 404
        viewer = client_for(users.viewer)
        body = viewer.get(url).content.decode()
        assert "C7654321" not in body and 'data-testid="checklist-table"' in body
        assert viewer.post(url, {"save_checklist": "1"}).status_code == 403


class DueListTests:
    @pytest.fixture
    def due(self, users, units, make_worker, enterprises):
        soon, later, complete_one, elsewhere = (make_worker(full_name=name) for name in (
            "Nguyễn Văn Sắp", "Nguyễn Văn Muộn", "Nguyễn Văn Đủ", "Nguyễn Văn Chưa"))
        bac_ai = make_worker(units.commune_b, full_name="Pinăng Văn Bác")
        for worker, date in ((soon, days(10)), (later, days(200)), (complete_one, days(15)), (bac_ai, days(5))):
            services.worker_change_status(user=users.admin, worker=worker, to_status=Status.WAITING)
            checklist.expected_departure_set(user=users.admin, worker=worker, enterprise=enterprises.active, date=date)
        services.worker_change_status(user=users.admin, worker=elsewhere, to_status=Status.WAITING)  # no date
        complete(users.admin, complete_one)
        complete(users.admin, soon, but=("passport",))
        return soon

    def test_it_lists_the_workers_due_with_missing_papers_of_the_users_units(self, due, users, client_for):
        response = client_for(users.official_a).get(reverse("workers:due_list"))
        names = [row.worker.full_name for row in response.context["page"]]
        assert names == ["Nguyễn Văn Sắp", "Nguyễn Văn Chưa"]  # soonest first, then waiting without a date
        assert [line.item.code for line in response.context["page"][0].missing] == ["passport"]
        everyone = client_for(users.province).get(reverse("workers:due_list"), {"everyone": "on"})
        assert {row.worker.full_name for row in everyone.context["page"]} == {
            "Nguyễn Văn Sắp", "Nguyễn Văn Chưa", "Nguyễn Văn Đủ", "Pinăng Văn Bác"}

    def test_the_export_and_the_query_count_do_not_grow_with_the_workers(self, due, users, make_worker, enterprises,
                                                                          client_for, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(users.province)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("workers:due_list"))
        for _ in range(20):
            worker = make_worker()
            services.worker_change_status(user=users.admin, worker=worker, to_status=Status.WAITING)
            complete(users.admin, worker, but=("visa",))
        with django_assert_max_num_queries(len(few)):
            response = client.get(reverse("workers:due_list"))
        assert response.context["count"] == 23
        export = export_response(client, reverse("workers:due_list"), {"format": "xlsx"})
        assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


class ChecklistImportTests:
    HEADERS = [*HEADERS, "Hồ sơ: Khám sức khỏe", "Ngày hồ sơ: Khám sức khỏe", "Hồ sơ: Hộ chiếu", "Ngày hồ sơ: Hộ chiếu",
               "checklist: orientation_cert", "checklist date: orientation_cert", "Ghi chú của xã"]

    def row(self, units, serial, *, health=("Đạt", "01/03/2024"), passport=("C1234567", "10/01/2024"),
            orientation=("BD-158", "01/03/2024"), departure="15/03/2024"):
        return [f"Nguyễn Văn Hồ Sơ {serial}", cccd(dt.date(1995, 4, 12), serial=serial), "12/04/1995", "Nam", units.commune_a.code,
                "", "", "", departure, "Nhật Bản" if departure else "", "", "", "", "", "", *health, *passport, *orientation,
                "ghi chú bất kỳ"]

    def test_the_columns_fill_the_checklist_and_the_departures_certificate_and_a_second_import_changes_nothing(
            self, users, units):
        data = sheet([self.row(units, 951), self.row(units, 952, departure="", orientation=("", ""))], self.HEADERS)
        result = import_workers(data, user=users.official_a)
        assert result.checklist == 5
        departed = Departure.objects.get()
        assert (departed.orientation_cert_no, departed.has_orientation_cert) == ("BD-158", True)
        entries = set(ChecklistEntry.objects.values_list("worker__citizen_id", "item__code", "status", "document_no"))
        assert (cccd(dt.date(1995, 4, 12), serial=952), "health", "done", "") in entries
        again = import_workers(data, user=users.official_a)
        assert again.checklist == 0 and ChecklistEntry.objects.count() == 5

    def test_an_unknown_item_and_a_result_without_a_date_are_errors_and_nothing_is_saved(self, users, units):
        headers = [*self.HEADERS, "Hồ sơ: Giấy khám thai"]
        rows = [self.row(units, 961, health=("Không đạt", "")) + ["x"]]
        with pytest.raises(ImportRejected) as rejected:
            import_workers(sheet(rows, headers), user=users.official_a)
        found = {(e.row, e.column): e.message for e in rejected.value.errors}
        assert found[(1, "Hồ sơ: Giấy khám thai")].startswith("Unknown checklist item “Giấy khám thai”")
        assert found[(2, "Ngày hồ sơ: Khám sức khỏe")] == "A result needs the date of the check."
        assert not ChecklistEntry.objects.exists() and not Departure.objects.exists()
