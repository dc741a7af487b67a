"""The worker import reads a reused unit code by the departure date (else today), or in the structure given."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from portal.models import Role, Structure
from tests.conftest import make_user
from workers.importers import import_workers
from workers.models import Worker

from .fixtures import cccd
from .test_import import sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(capsys):
    call_command("load_admin_units", "--structure", "both", "--province", "82")
    capsys.readouterr()
    return make_user("reform_admin", Role.ADMIN, None, is_staff=True, is_superuser=True)


def row(serial: int, code: str, departure: str = "", country: str = "") -> list:
    return [f"Người Thử {serial}", cccd(dt.date(1995, 1, 1), serial=serial, province="082"), "01/01/1995", "Nam",
            code, "", "", "", departure, country, "", "", ""]


class WorkerImportReformTests:
    def test_a_commune_code_in_both_structures_is_read_by_the_departure_date_else_today(self, admin):
        # 28249: Phường 5 of old Tiền Giang until 30/06/2025, Phường Đạo Thạnh of Đồng Tháp since.
        import_workers(sheet([row(1, "28249", "30/06/2025", "JP"), row(2, "28249", "01/07/2025", "JP"),
                              row(3, "28249")]), user=admin)
        homes = dict(Worker.objects.values_list("full_name", "unit__structure"))
        assert homes == {"Người Thử 1": Structure.LEGACY, "Người Thử 2": Structure.NEW,
                         "Người Thử 3": Structure.NEW}
        departure = Worker.objects.get(full_name="Người Thử 1").departures.get()
        assert departure.unit.name == "Phường 5"

    def test_a_given_structure_wins_and_the_command_takes_it(self, admin, tmp_path, capsys):
        path = tmp_path / "w.xlsx"
        path.write_bytes(sheet([row(4, "28249")]))
        call_command("import_workers", str(path), "--structure", "legacy")
        assert Worker.objects.get().unit.structure == Structure.LEGACY
