"""A district's legacy list brought in: known counts, CMND kept as such, events dated by themselves, nothing saved
before the commit, the same file twice changing nothing, and every kind of bad input refused with its row."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from history import services
from history.models import BatchStatus
from reports.progress import Period, progress_rows
from tests.history.conftest import NINH_SON_2019, commit, preview, upload
from tests.history.sheets import Person, csv_bytes, legacy_people_sheet
from tests.workers.fixtures import cccd
from workers import services as worker_services
from workers.models import Departure, Return, Sex, Status, StatusChange, Worker

pytestmark = pytest.mark.django_db


def status_at(worker: Worker, day: dt.date) -> str | None:
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    change = StatusChange.objects.filter(worker=worker, at__lt=end).order_by("-at", "-pk").first()
    return change.to_status if change else None


@pytest.fixture
def imported(users, units, reference_data, enterprises):
    batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019)))
    return commit(users.province, batch)


class KnownCountsTests:
    def test_the_preview_counts_what_the_commit_then_saves_and_saves_nothing_before(self, users, units,
                                                                                    reference_data, enterprises):
        batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019)))
        counts = batch.preview["counts"]
        assert (counts["new_workers"], counts["updated_workers"], counts["departures"], counts["returns"],
                counts["history_figures"], counts["errors"], counts["rows"], counts["skipped"]) == (5, 0, 5, 2, 0, 0, 5, 3)
        assert [row["unit"] for row in batch.preview["sample"]][:3] == [
            "Xã Lâm Sơn, Huyện Ninh Sơn", "Xã Lâm Sơn, Huyện Ninh Sơn", "Xã Quảng Sơn, Huyện Ninh Sơn"]
        assert not Worker.objects.exists() and not Departure.objects.exists()
        batch = commit(users.province, batch)
        assert batch.result["new_workers"] == 5
        assert (Worker.objects.count(), Departure.objects.count(), Return.objects.count()) == (5, 5, 2)
        assert dict(Departure.objects.values_list("worker__full_name", "country__code")) == {
            "Nguyễn Văn An": "JP", "Trần Thị Bình": "JP", "Lê Văn Cường": "KR", "Phạm Thị Dung": "TW",
            "Hoàng Văn Em": "JP"}
        assert Departure.objects.get(worker__full_name="Nguyễn Văn An").enterprise.licence_no == "T-001/GP"

    def test_a_cmnd_is_kept_as_the_old_id_card_number_never_turned_into_a_cccd(self, imported):
        an = Worker.objects.get(full_name="Nguyễn Văn An")
        assert (an.citizen_id, an.legacy_id_number, an.has_only_legacy_id) == (None, "264512345", True)
        dung = Worker.objects.get(full_name="Phạm Thị Dung")
        assert (dung.citizen_id, dung.legacy_id_number, dung.sex) == ("058197001234", "", Sex.FEMALE)
        assert Worker.objects.filter(citizen_id__isnull=True).count() == 4

    def test_the_sex_is_read_from_the_column_the_date_of_birth_stands_in(self, imported):
        assert dict(Worker.objects.values_list("full_name", "sex")) == {
            "Nguyễn Văn An": Sex.MALE, "Trần Thị Bình": Sex.FEMALE, "Lê Văn Cường": Sex.MALE,
            "Phạm Thị Dung": Sex.FEMALE, "Hoàng Văn Em": Sex.MALE}


class EventDatesTests:
    def test_every_status_change_carries_the_date_it_happened(self, imported):
        an = Worker.objects.get(full_name="Nguyễn Văn An")
        timeline = [(c.from_status, c.to_status, timezone.localtime(c.at).date())
                    for c in an.status_changes.order_by("at", "pk")]
        assert timeline == [("", Status.REGISTERED, dt.date(2019, 3, 10)),
                            (Status.REGISTERED, Status.DEPARTED, dt.date(2019, 3, 10)),
                            (Status.DEPARTED, Status.RETURNED, dt.date(2022, 3, 9))]

    def test_the_status_at_a_past_date_comes_out_right(self, imported):
        cuong = Worker.objects.get(full_name="Lê Văn Cường")
        assert status_at(cuong, dt.date(2019, 7, 31)) is None
        assert status_at(cuong, dt.date(2019, 12, 31)) == Status.DEPARTED
        assert status_at(cuong, dt.date(2020, 12, 31)) == Status.RETURNED

    def test_the_reports_count_the_imported_years_and_the_same_period_last_year(self, imported, units):
        year_2019 = progress_rows(unit=units.province, period=Period.for_year(2019))
        assert (year_2019.total.departed, year_2019.total.waiting) == (5, 0)
        assert year_2019.total.markets == {"JP": 3, "KR": 1, "TW": 1, "other": 0}
        h1_2020 = progress_rows(unit=units.province, period=Period.for_year(2020, "h1"))
        assert (h1_2020.total.departed, h1_2020.total.previous_year) == (0, 2)  # March and May 2019


class AgainTests:
    def test_importing_the_same_file_again_changes_nothing(self, imported, users, units):
        before = (Worker.objects.count(), Departure.objects.count(), StatusChange.objects.count())
        again = preview(users.province, upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019)))
        counts = again.preview["counts"]
        assert (counts["new_workers"], counts["updated_workers"], counts["unchanged_workers"], counts["departures"]) \
            == (0, 0, 5, 0)
        commit(users.province, again)
        assert (Worker.objects.count(), Departure.objects.count(), StatusChange.objects.count()) == before

    def test_a_later_sheet_adds_the_return_and_a_new_trip_to_a_known_worker(self, imported, users, units):
        binh, em = NINH_SON_2019[1], NINH_SON_2019[4]
        later = [
            Person(binh.name, binh.dob, "Nữ", binh.id_number, binh.address, "Nhật Bản", "", binh.departure,
                   dt.date(2022, 5, 19)),
            Person(em.name, em.dob, "Nam", em.id_number, em.address, "Nhật Bản", "", em.departure, dt.date(2020, 6, 1)),
            Person(em.name, em.dob, "Nam", em.id_number, em.address, "Hàn Quốc", "", dt.date(2021, 3, 3)),
        ]
        batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(later)))
        counts = batch.preview["counts"]
        assert (counts["new_workers"], counts["updated_workers"], counts["departures"], counts["returns"]) == (0, 2, 1, 2)
        commit(users.province, batch)
        worker = Worker.objects.get(full_name=em.name)
        assert worker.status == Status.DEPARTED
        assert [d.date for d in worker.departures.order_by("date")] == [dt.date(2019, 12, 2), dt.date(2021, 3, 3)]
        assert status_at(worker, dt.date(2020, 12, 31)) == Status.RETURNED


class BadInputTests:
    def test_dates_in_month_day_order_are_asked_about_never_guessed(self, users, units, reference_data):
        rows = [["Họ tên", "Số CMND", "Ngày sinh", "Giới tính", "Địa chỉ", "Nước đến", "Ngày xuất cảnh"],
                ["Người Một", "264600001", "12/25/1990", "Nam", "Lâm Sơn, Ninh Sơn", "Nhật Bản", "10/03/2019"],
                ["Người Hai", "264600002", "03/04/1991", "Nam", "Lâm Sơn, Ninh Sơn", "Nhật Bản", "11/03/2019"]]
        batch = preview(users.province, upload(users.province, units.province, csv_bytes(rows, "utf-8"), "d.csv"))
        assert batch.preview["blocked"]
        [question] = batch.preview["dates"]
        assert (question["label"], question["rows"], question["values"], question["either"]) == (
            "Ngày sinh", [2], ["12/25/1990"], 1)
        assert batch.preview["counts"]["errors"] == 0  # asked first, not yet an error
        services.batch_answer(user=users.province, batch=batch, addresses={}, date_columns=[question["column"]])
        batch = services.batch_preview(batch=batch, user=users.province)
        assert batch.preview["dates"] == []
        assert [(e["row"], e["column"]) for e in batch.preview["errors"]] == [(2, "Ngày sinh")]
        assert "month 25" in batch.preview["errors"][0]["message"] or "tháng 25" in batch.preview["errors"][0]["message"]
        assert not Worker.objects.exists()

    def test_the_same_person_twice_with_different_ids_is_an_error(self, users, units, reference_data):
        twice = [Person("Nguyễn Văn Lặp", dt.date(1990, 1, 1), "Nam", "264700001", "Xã Lâm Sơn, Ninh Sơn",
                        departure=dt.date(2019, 2, 2)),
                 Person("Nguyễn  văn lặp", dt.date(1990, 1, 1), "Nam", "264700009", "lam son, ninh son",
                        departure=dt.date(2019, 4, 4))]
        batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(twice)))
        assert [(e["row"], e["column"]) for e in batch.preview["errors"]] == [(10, "CMND/CCCD")]
        assert "row 9" in batch.preview["errors"][0]["message"] or "dòng 9" in batch.preview["errors"][0]["message"]
        with pytest.raises(ValidationError):
            services.batch_confirm(user=users.province, batch=batch)
        accepted = preview(users.province, upload(users.province, units.province, legacy_people_sheet(twice),
                                                  accept_duplicates=True))
        assert accepted.preview["counts"]["new_workers"] == 2

    def test_one_id_with_two_names_and_bad_ids_are_errors_by_row(self, users, units, reference_data):
        people = [Person("Người Ba", dt.date(1990, 1, 1), "Nam", "264800001", "Lâm Sơn, Ninh Sơn",
                         departure=dt.date(2019, 2, 2)),
                  Person("Người Khác", dt.date(1991, 1, 1), "Nam", "264800001", "Lâm Sơn, Ninh Sơn",
                         departure=dt.date(2019, 3, 3)),
                  Person("Người Bốn", dt.date(1990, 1, 1), "Nam", "2648", "Lâm Sơn, Ninh Sơn",
                         departure=dt.date(2019, 2, 2)),
                  Person("Người Năm", dt.date(1990, 1, 1), "Nam", "058190123456", "Lâm Sơn, Ninh Sơn",
                         departure=dt.date(2019, 2, 2)),
                  Person("Người Sáu", dt.date(1990, 1, 1), "Nam", "264800006", "Xã Không Có, Ninh Sơn",
                         departure=dt.date(2019, 2, 2))]
        batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(people)))
        rows = sorted({e["row"] for e in batch.preview["errors"]})
        assert rows == [10, 11, 12, 13]
        assert batch.preview["addresses"][0]["text"] == "Xã Không Có, Ninh Sơn"
        assert batch.preview["counts"]["new_workers"] == 0  # rows 9 and 10 share an ID in conflict: neither goes in

    def test_a_registered_worker_with_a_cccd_is_a_likely_link_not_an_error(self, users, units, reference_data):
        registered = worker_services.worker_register(
            user=users.admin, citizen_id=cccd(dt.date(1995, 3, 14)), full_name="Nguyễn Văn An",
            date_of_birth=dt.date(1995, 3, 14), sex=Sex.MALE, unit=units.a.children.get(code="22813"))
        batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019)))
        assert batch.preview["counts"]["errors"] == 0 and batch.preview["counts"]["possible_links"] == 1
        assert any("CMND" in warning for warning in batch.preview["warnings"])
        commit(users.province, batch)
        historic = Worker.objects.get(legacy_id_number="264512345")
        assert historic.pk != registered.pk


class CommitSafetyTests:
    def test_a_replayed_confirmation_saves_nothing_twice(self, users, units, reference_data, enterprises):
        batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019)))
        assert services.batch_confirm(user=users.province, batch=batch)
        assert not services.batch_confirm(user=users.province, batch=batch)
        services.batch_commit(batch_id=batch.pk, user=users.province)
        services.batch_commit(batch_id=batch.pk, user=users.province)
        assert Worker.objects.count() == 5 and Departure.objects.count() == 5

    def test_a_stored_file_changed_after_the_preview_is_not_committed(self, users, units, reference_data,
                                                                     enterprises):
        batch = preview(users.province, upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019)))
        with open(batch.file.path, "ab") as handle:
            handle.write(b"tampered")
        assert services.batch_confirm(user=users.province, batch=batch)
        batch = services.batch_commit(batch_id=batch.pk, user=users.province)
        assert batch.status == BatchStatus.PREVIEWED and batch.preview["blocked"]
        assert "changed" in batch.preview["errors"][0]["message"] or "thay đổi" in batch.preview["errors"][0]["message"]
        assert not Worker.objects.exists()

    def test_an_official_imports_only_within_their_district(self, users, units, reference_data):
        elsewhere = [Person("Người Bác Ái", dt.date(1990, 1, 1), "Nam", "264900001", "Xã Phước Bình, huyện Bác Ái",
                            departure=dt.date(2019, 2, 2))]
        batch = preview(users.official_a, upload(users.official_a, units.a, legacy_people_sheet(elsewhere)))
        assert batch.preview["counts"]["errors"] == 1 and batch.preview["blocked"]
