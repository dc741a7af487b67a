"""The worker sheet's contract columns: ``Ngày hết hạn hợp đồng`` / ``contract_end`` and ``Thời hạn hợp đồng
(tháng)`` / ``contract_months``; all or nothing as before; an export imports back unchanged."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portal.xlsx import ImportRejected
from tests.export_helpers import export_response
from tests.workers.fixtures import cccd
from tests.workers.test_import import HEADERS, sheet
from workers import services
from workers.importers import import_workers
from workers.models import Departure, Worker


def row(units, *, name="Nguyễn Văn Hợp Đồng", born=dt.date(1995, 4, 12), serial=None, departure="01/03/2024",
        end="", months=""):
    citizen_id = cccd(born, serial=serial)
    return [name, citizen_id, born.strftime("%d/%m/%Y"), "Nam", units.commune_a.code, "", "", "", departure,
            "Hàn Quốc" if departure else "", "KR-EPS" if departure else "", "", "", end, months]


class ContractImportTests:
    def test_a_row_gives_the_contracts_end_or_its_length(self, users, units):
        result = import_workers(sheet([row(units, end="28/02/2029", serial=910001),
                                       row(units, name="Trần Văn Tháng", months="58", serial=910002)]),
                                user=users.official_a)
        assert (result.created, result.departures) == (2, 2)
        ends = dict(Departure.objects.values_list("worker__full_name", "contract_end"))
        assert ends == {"Nguyễn Văn Hợp Đồng": dt.date(2029, 2, 28), "Trần Văn Tháng": dt.date(2029, 1, 1)}

    def test_the_english_headers_work_too(self, users, units):
        headers = [*HEADERS[:13], "contract_end", "contract_months"]
        import_workers(sheet([row(units, months="36", serial=910003)], headers), user=users.official_a)
        assert Departure.objects.get().contract_end == dt.date(2027, 3, 1)

    @pytest.mark.parametrize("end, months, column, message", [
        ("01/02/2024", "", "Ngày hết hạn hợp đồng", "không sau ngày xuất cảnh"),
        ("", "0", "Thời hạn hợp đồng (tháng)", "từ 1 đến 240"),
        ("", "ba năm", "Thời hạn hợp đồng (tháng)", "từ 1 đến 240"),
        ("31/02/2027", "", "Ngày hết hạn hợp đồng", "dd/mm/yyyy"),
    ])
    def test_a_bad_contract_rejects_the_whole_file(self, users, units, end, months, column, message):
        good = row(units, name="Lê Văn Tốt", serial=910004)
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet([good, row(units, end=end, months=months, serial=910005)]), user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(3, column)]
        assert message in exc.value.errors[0].message
        assert not Worker.objects.exists()

    def test_a_contract_without_a_departure_is_refused(self, users, units):
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet([row(units, departure="", months="36", serial=910006)]), user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Ngày xuất cảnh")]

    def test_a_recorded_departure_without_a_contract_is_completed_once(self, users, units, make_worker, reference):
        worker = make_worker(units.commune_a, full_name="Nguyễn Văn Hợp Đồng", citizen_id=cccd(dt.date(1995, 4, 12),
                                                                                             serial=910007))
        services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 3, 1), country=reference.korea,
                                  programme=reference.eps)
        data = sheet([row(units, months="58", serial=910007)])
        assert import_workers(data, user=users.official_a).contracts == 1
        assert Departure.objects.get().contract_end == dt.date(2029, 1, 1)
        again = import_workers(data, user=users.official_a)
        assert (again.contracts, again.unchanged) == (0, 1)

    def test_a_different_contract_for_a_recorded_departure_points_to_an_extension(self, users, units, make_worker,
                                                                                  reference):
        worker = make_worker(units.commune_a, full_name="Nguyễn Văn Hợp Đồng", citizen_id=cccd(dt.date(1995, 4, 12),
                                                                                             serial=910008))
        services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 3, 1), country=reference.korea,
                                  programme=reference.eps, contract_months=36)
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet([row(units, end="01/03/2029", serial=910008)]), user=users.official_a)
        assert exc.value.errors[0].column == "Ngày hết hạn hợp đồng" and "gia hạn" in exc.value.errors[0].message
        assert Departure.objects.get().contract_end == dt.date(2027, 3, 1)

    def test_an_export_with_contracts_and_extensions_imports_back_unchanged(self, users, units, make_worker,
                                                                            reference, client_for):
        worker = make_worker(units.commune_a)
        departure = services.departure_record(user=users.admin, worker=worker, date=dt.date(2021, 3, 15),
                                              country=reference.korea, programme=reference.eps, contract_months=58)
        services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2027, 1, 15),
                                 approved_on=dt.date(2025, 11, 1))
        data = b"".join(export_response(client_for(users.admin), reverse("workers:worker_export")).streaming_content)
        result = import_workers(data, user=users.admin)
        assert (result.unchanged, result.contracts, result.departures) == (1, 0, 0)
        departure.refresh_from_db()
        assert (departure.contract_end, departure.contract_months) == (dt.date(2027, 1, 15), 58)
