from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.xlsx import ImportRejected
from targets.importers import import_quotas
from targets.models import Quota
from tests.conftest import post_and_confirm
from tests.targets.conftest import QUOTAS_2021, quotas_2021_file, upload, xlsx


def quota_rows():
    return sorted(Quota.objects.values_list("unit__code", "year", "target", "stretch_percent"))


class QuotaImportTests:
    def test_the_2021_ninh_thuan_quotas_import_and_the_screen_shows_150_against_150(self, users, client_for):
        client = client_for(users.province)
        response = post_and_confirm(client, reverse("targets:quota_import"), {"file": upload(quotas_2021_file())})
        assert response.status_code == 200
        assert not response.context["import_errors"]
        assert response.context["result"].created == 8
        assert dict(Quota.objects.filter(year=2021, unit__level="district").values_list("unit__code", "target")) == QUOTAS_2021
        assert Quota.objects.get(year=2021, unit__code="58").target == 150

        page = client.get(reverse("targets:quota_table"), {"parent": users.province.scope.unit.pk, "year": 2021})
        table = page.context["table"]
        assert (table.total, table.parent_target, table.warning) == (150, 150, None)
        body = page.content.decode()
        assert 'data-testid="quota-total">150<' in body
        assert "quota-warning" not in body

    def test_importing_the_same_file_twice_leaves_the_same_data(self, users):
        first = import_quotas(quotas_2021_file(), user=users.province)
        before = quota_rows()
        second = import_quotas(quotas_2021_file(), user=users.province)
        assert (first.created, second.created, second.changed, second.unchanged) == (8, 0, 0, 8)
        assert quota_rows() == before

    def test_english_headers_and_a_stretch_percent_work_too(self, users):
        data = xlsx([["unit_code", "year", "target", "stretch_percent"], ["585", 2022, 30, "130"]])
        import_quotas(data, user=users.province)
        quota = Quota.objects.get(unit__code="585", year=2022)
        assert (quota.target, quota.stretch_percent) == (30, 130)

    def test_a_later_file_changes_the_target(self, users):
        import_quotas(quotas_2021_file(), user=users.province)
        import_quotas(xlsx([["Mã đơn vị", "Năm", "Chỉ tiêu"], [585, 2021, 27]]), user=users.province)
        assert Quota.objects.get(unit__code="585", year=2021).target == 27

    def test_a_district_official_splits_their_quota_between_communes_and_their_own_row_sets_their_target(
            self, users, units):
        commune = units.commune_a
        import_quotas(xlsx([["Mã đơn vị", "Năm", "Chỉ tiêu"], [commune.code, 2021, 5]]), user=users.official_a)
        assert Quota.objects.get(unit=commune, year=2021).target == 5
        import_quotas(xlsx([["Mã đơn vị", "Năm", "Chỉ tiêu"], ["585", 2021, 50]]), user=users.official_a)
        assert Quota.objects.get(unit=units.a, year=2021).target == 50  # as the import screen says
        with pytest.raises(ImportRejected) as exc:  # but not a sibling's, nor the province's
            import_quotas(xlsx([["Mã đơn vị", "Năm", "Chỉ tiêu"], ["584", 2021, 5], ["58", 2021, 9]]),
                          user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Mã đơn vị"), (3, "Mã đơn vị")]


HEADER = ["Mã đơn vị", "Đơn vị", "Năm", "Chỉ tiêu"]
GOOD = ["585", "Ninh Sơn", 2021, 25]


@pytest.mark.parametrize(
    ("bad_row", "column", "message_part"),
    [
        (["999", "", 2021, 5], "Mã đơn vị", "999"),  # unknown unit
        (["587", "Ninh Phước", 2021, -3], "Chỉ tiêu", "negative"),
        (["587", "Ninh Phước", 2021, 2.5], "Chỉ tiêu", "whole number"),
        (["587", "Ninh Phước", 2021, "nhiều"], "Chỉ tiêu", "whole number"),
        (["587", "Ninh Phước", 1899, 5], "Năm", "year"),
        (["587", "Ninh Phước", "năm nay", 5], "Năm", "year"),
        (["587", "Ninh Hải", 2021, 5], "Đơn vị", "does not match"),
        (["585", "Ninh Sơn", 2021, 5], "Mã đơn vị", "Row 2"),  # duplicate of row 2
    ],
    ids=["unknown-unit", "negative", "fraction", "text", "bad-year", "year-text", "name-mismatch", "duplicate"],
)
class QuotaImportErrorTests:
    def test_a_bad_row_rejects_the_whole_file_with_its_row_and_column(self, users, bad_row, column, message_part, settings):
        settings.LANGUAGE_CODE = "en"
        from django.utils import translation

        data = xlsx([HEADER, GOOD, ["586", "Ninh Hải", 2021, 20], bad_row])
        with translation.override("en"), pytest.raises(ImportRejected) as exc:
            import_quotas(data, user=users.province)
        errors = exc.value.errors
        assert [(e.row, e.column) for e in errors] == [(4, column)]
        assert message_part in errors[0].message
        assert not Quota.objects.exists()


class QuotaImportFileErrorTests:
    def test_every_error_of_a_file_is_listed_and_nothing_is_saved(self, users):
        data = xlsx([HEADER, GOOD, ["999", "", 2021, 5], ["586", "", 1800, -1], ["584", "Bác Ái", 2021, 30]])
        with pytest.raises(ImportRejected) as exc:
            import_quotas(data, user=users.province)
        assert [(e.row, e.column) for e in exc.value.errors] == [(3, "Mã đơn vị"), (4, "Chỉ tiêu"), (4, "Năm")]
        assert not Quota.objects.exists()

    def test_a_unit_outside_the_scope_is_refused(self, users):
        with pytest.raises(ImportRejected) as exc:
            import_quotas(xlsx([HEADER, ["584", "Bác Ái", 2021, 30]]), user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Mã đơn vị")]
        assert not Quota.objects.exists()

    def test_a_missing_column_is_named(self, users):
        with pytest.raises(ImportRejected) as exc:
            import_quotas(xlsx([["Mã đơn vị", "Năm"], ["585", 2021]]), user=users.province)
        assert [(e.row, e.column) for e in exc.value.errors] == [(1, "Chỉ tiêu")]

    def test_a_file_that_is_not_xlsx_is_refused(self, users, client_for):
        response = client_for(users.province).post(reverse("targets:quota_import"), {"file": upload(b"a,b\n1,2", "q.csv")})
        assert response.status_code == 200
        assert response.context["form"].errors["file"]
        with pytest.raises(ImportRejected):
            import_quotas(b"PK not really a zip", user=users.province)
        assert not Quota.objects.exists()

    def test_a_file_over_the_size_limit_is_refused(self, users, settings):
        settings.UPLOAD_MAX_BYTES = 1024
        with pytest.raises(ImportRejected) as exc:
            import_quotas(quotas_2021_file() + b"\0" * 2048, user=users.province)
        assert exc.value.errors[0].row == 0
        assert not Quota.objects.exists()

    def test_the_screen_lists_every_error_by_row_and_column(self, users, client_for):
        data = xlsx([HEADER, GOOD, ["999", "", 2021, 5]])
        response = client_for(users.province).post(reverse("targets:quota_import"), {"file": upload(data)})
        assert [(e.row, e.column) for e in response.context["import_errors"]] == [(3, "Mã đơn vị")]
        assert 'data-testid="import-errors"' in response.content.decode()
        assert not Quota.objects.exists()

    def test_a_viewer_cannot_upload(self, users, client_for):
        response = client_for(users.viewer).post(reverse("targets:quota_import"), {"file": upload(quotas_2021_file())})
        assert response.status_code == 403
        assert not Quota.objects.exists()


class ImportQuotasCommandTests:
    def test_the_command_imports_and_reports_the_sum(self, users, tmp_path, capsys):
        path = tmp_path / "chi-tieu-2021.xlsx"
        path.write_bytes(quotas_2021_file())
        call_command("import_quotas", str(path), "--user", users.province.username)
        out = capsys.readouterr().out
        assert "created 8" in out and "sum to 150, target 150" in out
        assert Quota.objects.count() == 8

    def test_the_command_exits_non_zero_with_the_same_list_of_errors(self, users, tmp_path):
        path = tmp_path / "bad.xlsx"
        path.write_bytes(xlsx([HEADER, GOOD, ["999", "", 2021, 5], ["586", "", 2021, -1]]))
        with pytest.raises(CommandError) as exc:
            call_command("import_quotas", str(path), "--user", users.province.username)
        assert str(exc.value).splitlines() == [
            "dòng 3, cột “Mã đơn vị”: Không có đơn vị mã 999.",
            "dòng 4, cột “Chỉ tiêu”: Số lượng không được âm.",
            "2 error(s): the file was rejected and nothing was saved.",
        ]
        assert not Quota.objects.exists()

    def test_the_command_applies_the_users_scope(self, users, tmp_path):
        path = tmp_path / "q.xlsx"
        path.write_bytes(xlsx([HEADER, ["584", "Bác Ái", 2021, 30]]))
        with pytest.raises(CommandError):
            call_command("import_quotas", str(path), "--user", users.official_a.username)
        assert not Quota.objects.exists()


class QuotaTemplateTests:
    def test_the_template_has_the_headers_and_the_users_units(self, users, client_for):
        import io

        from openpyxl import load_workbook

        response = client_for(users.province).get(reverse("targets:quota_template"), {"year": 2021})
        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(response.content)).active
        rows = list(ws.values)
        assert rows[0] == ("Mã đơn vị", "Đơn vị", "Năm", "Chỉ tiêu", "Phấn đấu (%)")
        assert [r[0] for r in rows[1:]] == ["58", "582", "584", "585", "586", "587", "588", "589"]

    def test_the_filled_template_imports_back(self, users, client_for):
        import io

        from openpyxl import load_workbook

        response = client_for(users.province).get(reverse("targets:quota_template"), {"year": 2021})
        wb = load_workbook(io.BytesIO(response.content))
        ws = wb.active
        for row in ws.iter_rows(min_row=2):
            row[3].value = 150 if row[0].value == "58" else QUOTAS_2021[row[0].value]
        buffer = io.BytesIO()
        wb.save(buffer)
        result = import_quotas(buffer.getvalue(), user=users.province)
        assert result.created == 8


class StructureFlagTests:
    def test_codes_are_read_in_the_structure_asked_for(self, users, tmp_path):
        path = tmp_path / "q.xlsx"
        path.write_bytes(xlsx([HEADER, ["585", "Ninh Sơn", 2021, 25]]))
        with pytest.raises(CommandError) as exc:
            call_command("import_quotas", str(path), "--structure", "2025")  # no district 585 after the reform
        assert "585" in str(exc.value)
        call_command("import_quotas", str(path), "--structure", "legacy")  # default user: an administrator
        assert Quota.objects.get().target == 25
