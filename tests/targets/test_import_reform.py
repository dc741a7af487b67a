"""Quota and monthly imports read a reused unit code by the row's date, or in the structure given."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import override

from portal.models import Role, Structure
from portal.xlsx import ImportRejected
from targets.importers import import_monthly, import_quotas
from targets.models import MonthlyReport, Quota
from tests.conftest import make_user, post_and_confirm
from tests.targets.conftest import upload, xlsx

pytestmark = pytest.mark.django_db
QUOTA_HEADER = ["Mã đơn vị", "Năm", "Chỉ tiêu"]
MONTHLY_HEADER = ["Mã đơn vị", "Tháng", "departed"]


@pytest.fixture
def admin(capsys):
    call_command("load_admin_units", "--structure", "both", "--province", "82")
    capsys.readouterr()
    return make_user("reform_admin", Role.ADMIN, None, is_staff=True, is_superuser=True)


def quotas() -> set:
    return set(Quota.objects.values_list("unit__structure", "unit__code", "year", "target"))


class QuotaImportReformTests:
    def test_a_code_in_both_structures_is_read_on_1_january_of_the_rows_year(self, admin, clock):
        import_quotas(xlsx([QUOTA_HEADER, ["82", 2025, 300], ["82", 2026, 800], ["87", 2026, 5]]), user=admin)
        # 82 is old Tiền Giang in 2025 and new Đồng Tháp in 2026; 87 exists in the legacy list only.
        assert quotas() == {("legacy", "82", 2025, 300), ("2025", "82", 2026, 800), ("legacy", "87", 2026, 5)}

    def test_a_given_structure_wins_over_the_date(self, admin, clock):
        import_quotas(xlsx([QUOTA_HEADER, ["82", 2026, 100]]), user=admin, structure=Structure.LEGACY)
        assert quotas() == {("legacy", "82", 2026, 100)}

    @override("en")
    def test_a_code_unknown_in_the_given_structure_is_an_error_and_nothing_is_saved(self, admin, clock):
        with pytest.raises(ImportRejected) as exc:
            import_quotas(xlsx([QUOTA_HEADER, ["82", 2026, 100], ["87", 2026, 5], ["99999", 2026, 1]]), user=admin,
                          structure=Structure.NEW)
        assert [(e.row, e.message) for e in exc.value.errors] == [
            (3, "Unknown unit code 87."), (4, "Unknown unit code 99999.")]
        assert not Quota.objects.exists()

    def test_the_command_takes_the_structure(self, admin, clock, tmp_path, capsys):
        path = tmp_path / "q.xlsx"
        path.write_bytes(xlsx([QUOTA_HEADER, ["82", 2026, 70]]))
        call_command("import_quotas", str(path), "--structure", "legacy")
        call_command("import_quotas", str(path))
        assert quotas() == {("legacy", "82", 2026, 70), ("2025", "82", 2026, 70)}

    def test_the_upload_screen_offers_the_structure(self, admin, clock, client_for):
        client = client_for(admin)
        assert 'name="structure"' in client.get(reverse("targets:quota_import")).content.decode()
        post_and_confirm(client, reverse("targets:quota_import"), {
            "file": upload(xlsx([QUOTA_HEADER, ["82", 2026, 40]])), "structure": "legacy"})
        assert quotas() == {("legacy", "82", 2026, 40)}


class MonthlyImportReformTests:
    def test_a_commune_code_in_both_structures_is_read_in_the_rows_month(self, admin, clock):
        # 28249 is Phường 5 of old Tiền Giang before 1 July 2025, Phường Đạo Thạnh of Đồng Tháp after.
        import_monthly(xlsx([MONTHLY_HEADER, ["28249", "06/2025", 3], ["28249", "07/2025", 4]]), user=admin)
        got = set(MonthlyReport.objects.values_list("unit__structure", "unit__name", "month"))
        assert got == {("legacy", "Phường 5", dt.date(2025, 6, 1)),
                       ("2025", "Phường Đạo Thạnh", dt.date(2025, 7, 1))}

    def test_a_given_structure_reads_every_row_in_it(self, admin, clock):
        import_monthly(xlsx([MONTHLY_HEADER, ["28249", "08/2025", 2]]), user=admin, structure=Structure.LEGACY)
        assert MonthlyReport.objects.get().unit.structure == Structure.LEGACY
