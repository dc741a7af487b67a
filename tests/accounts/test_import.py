"""Accounts in bulk: the template, the preview, the confirmation (all or nothing, never twice), and the command."""
from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccountImport, ImportStatus, OneTimeCode
from tests.accounts.conftest import sheet

pytestmark = pytest.mark.django_db
User = get_user_model()


def upload(client, data: bytes):
    return client.post(reverse("accounts:import_upload"),
                       {"file": SimpleUploadedFile("tai-khoan.xlsx", data)})


GOOD = [
    ("xa.bacnhatrang", "Trần Văn Bắc", "bac@example.vn", "0905 111 222", "22333", "Cán bộ đơn vị"),
    ("xa.nhatrang2", "Lê Thị Nha", "", "", "22366", "Cán bộ đơn vị"),
    ("ld.khanhhoa", "Phạm Văn Lãnh", "", "0258 3822 222", "56", "Lãnh đạo (chỉ xem)"),
]


class TemplateTests:
    def test_the_template_lists_the_communes_without_an_official(self, admins, khanh_hoa, client_for):
        response = client_for(admins.qt56).get(reverse("accounts:import_template"),
                                               {"root": khanh_hoa.province.pk, "level": "commune"})
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
        assert rows[0][:6] == ("Tên đăng nhập", "Họ và tên", "Thư điện tử", "Số điện thoại", "Mã đơn vị", "Vai trò")
        codes = [row[4] for row in rows[1:]]
        assert len(codes) == 64 and "22366" not in codes  # 65 communes, Nha Trang has its official
        assert ("bacnhatrang.22333", None, None, None, "22333", "Cán bộ đơn vị", "Phường Bắc Nha Trang") in rows

    def test_another_provinces_template_answers_404(self, admins, khanh_hoa, client_for):
        response = client_for(admins.qt58).get(reverse("accounts:import_template"),
                                               {"root": khanh_hoa.province.pk, "level": "commune"})
        assert response.status_code == 404


class ImportScreenTests:
    def test_upload_shows_a_preview_and_creates_nothing_before_the_confirmation(self, admins, client_for):
        client = client_for(admins.qt56)
        response = upload(client, sheet(GOOD))
        batch = AccountImport.objects.get()
        assert response.status_code == 302 and response.url == reverse("accounts:import_preview", args=[batch.pk])
        preview = client.get(response.url)
        assert [r["username"] for r in preview.context["batch"].rows] == ["xa.bacnhatrang", "xa.nhatrang2", "ld.khanhhoa"]
        assert not User.objects.filter(username__startswith="xa.").exists()

    def test_the_confirmation_creates_every_account_once_with_a_link_or_a_code(self, admins, khanh_hoa, client_for):
        client = client_for(admins.qt56)
        batch_url = upload(client, sheet(GOOD)).url
        batch = AccountImport.objects.get()
        response = client.post(reverse("accounts:import_commit", args=[batch.pk]))
        assert response.status_code == 302 and response.url == reverse("accounts:codes")
        created = User.objects.filter(username__in=["xa.bacnhatrang", "xa.nhatrang2", "ld.khanhhoa"])
        assert created.count() == 3
        assert User.objects.get(username="xa.bacnhatrang").scope.unit == khanh_hoa.bac_nha_trang
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bac@example.vn"]
        assert "/accounts/set-password/" in mail.outbox[0].body
        assert OneTimeCode.objects.filter(user__username__in=["xa.nhatrang2", "ld.khanhhoa"]).count() == 2
        codes = client.get(reverse("accounts:codes")).context["codes"]
        assert [c["username"] for c in codes] == ["xa.nhatrang2", "ld.khanhhoa"]
        # The same confirmation again (a double click, the browser's back button): nothing twice.
        again = client.post(reverse("accounts:import_commit", args=[batch.pk]))
        assert again.status_code == 302 and again.url == batch_url
        assert User.objects.filter(username__in=["xa.bacnhatrang", "xa.nhatrang2", "ld.khanhhoa"]).count() == 3
        assert len(mail.outbox) == 1 and OneTimeCode.objects.count() == 2
        assert AccountImport.objects.get().status == ImportStatus.DONE

    def test_every_error_is_listed_by_row_and_column_and_nothing_is_saved(self, admins, users, client_for):
        rows = [
            ("t_ninhson", "Trùng tên", "", "", "22333", "Cán bộ đơn vị"),  # taken
            ("xa.a", "Ngoài phạm vi", "", "", "585", "Cán bộ đơn vị"),  # a legacy unit: not Khánh Hòa's to use
            ("xa.b", "Thư sai", "khong@", "", "22333", "Cán bộ đơn vị"),  # invalid e-mail
            ("xa.c", "Quá quyền", "", "", "", "Quản trị hệ thống"),  # a role above the editor's
            ("xa.d", "Vai trò lạ", "", "12", "22333", "Giám đốc"),  # unknown role, bad phone
            ("XA.B", "Trùng trong tệp", "", "", "22333", "Cán bộ đơn vị"),  # twice in the file
            ("xa.e", "Đúng", "", "", "22708", "Cán bộ đơn vị"),  # a good row: not created either
        ]
        response = upload(client_for(admins.qt56), sheet(rows))
        errors = {(e.row, e.column) for e in response.context["import_errors"]}
        assert {(2, "Tên đăng nhập"), (3, "Mã đơn vị"), (4, "Thư điện tử"), (5, "Vai trò"), (6, "Vai trò"),
                (6, "Số điện thoại"), (7, "Tên đăng nhập")} <= errors
        assert not any(row == 8 for row, _column in errors)
        assert not AccountImport.objects.exists()
        assert not User.objects.filter(username__istartswith="xa.").exists()

    def test_a_username_taken_between_preview_and_confirmation_rejects_the_whole_sheet(self, admins, client_for):
        from tests.conftest import make_user

        client = client_for(admins.qt56)
        upload(client, sheet(GOOD))
        batch = AccountImport.objects.get()
        make_user("xa.nhatrang2", None, None)  # someone else was quicker
        response = client.post(reverse("accounts:import_commit", args=[batch.pk]))
        assert response.status_code == 200 and response.context["import_errors"]
        assert not User.objects.filter(username__in=["xa.bacnhatrang", "ld.khanhhoa"]).exists()
        assert AccountImport.objects.get().status == ImportStatus.PREVIEW

    def test_a_preview_is_its_uploaders_own(self, admins, users, client_for):
        upload(client_for(admins.qt56), sheet(GOOD))
        batch = AccountImport.objects.get()
        assert client_for(users.admin).get(reverse("accounts:import_preview", args=[batch.pk])).status_code == 404
        assert client_for(users.admin).post(reverse("accounts:import_commit", args=[batch.pk])).status_code == 404
        assert not User.objects.filter(username="xa.bacnhatrang").exists()


class ImportCommandTests:
    def write(self, tmp_path, rows) -> str:
        path = tmp_path / "tai-khoan.xlsx"
        path.write_bytes(sheet(rows))
        return str(path)

    def test_dry_run_checks_and_creates_nothing(self, admins, tmp_path, capsys):
        call_command("import_accounts", self.write(tmp_path, GOOD), "--dry-run", "--user", admins.qt56.username)
        assert capsys.readouterr().out.strip() == "3 to create, 0 to update, 0 unchanged, 0 errors"
        assert not User.objects.filter(username="xa.bacnhatrang").exists()

    def test_the_command_creates_the_accounts_and_prints_the_codes(self, admins, tmp_path, capsys):
        call_command("import_accounts", self.write(tmp_path, GOOD), "--user", admins.qt56.username)
        out = capsys.readouterr().out
        assert "Imported: 3 accounts created (1 e-mailed a one-time link, 2 with a one-time code)" in out
        assert out.count("\t") == 4 and "xa.nhatrang2\t" in out
        assert "http://127.0.0.1:8000/accounts/set-password/" in mail.outbox[0].body

    def test_the_command_lists_every_error_and_exits_non_zero(self, admins, tmp_path):
        with pytest.raises(CommandError, match="(row|dòng) 2, (column|cột) “Mã đơn vị”"):
            call_command("import_accounts", self.write(tmp_path, [("xa.z", "Z", "", "", "585", "Cán bộ đơn vị")]),
                         "--user", admins.qt56.username)
        assert not User.objects.filter(username="xa.z").exists()

    def test_a_user_who_manages_no_account_may_not_run_it(self, users, tmp_path):
        with pytest.raises(CommandError, match="may not"):
            call_command("import_accounts", self.write(tmp_path, GOOD), "--user", users.province.username)
