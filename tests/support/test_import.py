from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.xlsx import ImportRejected
from support import services
from support.importers import import_loans, import_payments
from support.models import Loan, LoanStatus, Payment, PaymentLine
from tests.conftest import post_and_confirm
from tests.support.factories import D, xlsx

PAY = ["Số CCCD", "Chính sách", "Khoản hỗ trợ", "Số tiền", "Ngày", "Số quyết định"]
LOAN = ["Số CCCD", "Số tiền", "Ngày giải ngân", "Thời hạn (tháng)", "Trạng thái"]


def good_payments(s):
    return [
        [s.poor_a.citizen_id, "GNBV", "Đào tạo ngoại ngữ", "3.400.000", "02/03/2026", "12/QĐ-UBND"],
        [s.poor_a.citizen_id, "gnbv", "health", 700000, dt.datetime(2026, 3, 2), "12/QĐ-UBND"],
        [s.cham_a.citizen_id, "DTTS", "Language training", "2.000.000", "05/04/2026", "20/QĐ-UBND"],
    ]


def snapshot():
    return (sorted(PaymentLine.objects.values_list("payment__worker_id", "item_id", "amount")),
            sorted(Loan.objects.values_list("worker_id", "amount", "status")))


def errors_of(exc) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in exc.value.errors}


class PaymentImportTests:
    def test_a_good_sheet_is_saved_and_importing_it_again_changes_nothing(self, support, users):
        result = import_payments(xlsx(PAY, good_payments(support)), user=users.official_a)
        assert (result.payments, result.lines, result.unchanged) == (2, 3, 0)
        payment = Payment.objects.get(worker=support.poor_a)
        assert sorted(payment.lines.values_list("amount", flat=True)) == [700_000, 3_400_000]
        before = snapshot()
        again = import_payments(xlsx(PAY, good_payments(support)), user=users.official_a)
        assert (again.lines, again.unchanged) == (0, 3) and snapshot() == before

    def test_every_error_is_listed_by_row_and_column_and_nothing_is_saved(self, support, users):
        rows = good_payments(support) + [
            ["079095000001", "GNBV", "health", "100.000", "02/03/2026", "1"],                     # 5 unknown CCCD
            [support.poor_b.citizen_id, "GNBV", "health", "100.000", "02/03/2026", "1"],          # 6 other unit
            [support.poor_a.citizen_id, "KHONG-CO", "health", "100.000", "02/03/2026", "1"],      # 7 unknown policy
            [support.poor_a.citizen_id, "GNBV", "Tiền đi lại", "100.000", "02/03/2026", "1"],     # 8 not paid by it
            [support.poor_a.citizen_id, "GNBV", "bánh mì", "100.000", "02/03/2026", "1"],         # 9 unknown item
            [support.poor_a.citizen_id, "GNBV", "health", "1,5 triệu", "03/15/2026", ""],         # 10 amount, date, no
            [support.kinh_a.citizen_id, "GNBV", "health", "100.000", "02/03/2026", "1"],          # 11 not eligible
            [support.poor_a.citizen_id, "GNBV", "language", "2.600.001", "03/03/2026", "2"],     # 12 cap with row 2
            [support.poor_a.citizen_id, "GNBV", "health", "-5", "2099-01-01", "3"],               # 13 amount, date
        ]
        with pytest.raises(ImportRejected) as exc:
            import_payments(xlsx(PAY, rows), user=users.official_a)
        found = errors_of(exc)
        assert {(5, "Số CCCD"), (6, "Số CCCD"), (7, "Chính sách"), (8, "Khoản hỗ trợ"), (9, "Khoản hỗ trợ"),
                (10, "Số tiền"), (10, "Ngày"), (10, "Số quyết định"), (11, "Số CCCD"), (12, "Số tiền"),
                (13, "Số tiền"), (13, "Ngày")} <= found
        assert not {row for row, _col in found} & {2, 3, 4}
        assert not Payment.objects.exists()

    def test_the_budget_counts_the_rows_above_in_the_same_file(self, support, users, make_worker, units):
        from workers.models import HouseholdStatus

        near = HouseholdStatus.objects.get(code="near_poor")
        others = [make_worker(units.commune_a, full_name=f"Người {n}", household_statuses=[near]) for n in range(2)]
        services.payment_record(user=None, worker=support.poor_a, policy=support.poverty, date=D(2026, 1, 2),
                                decision_no="0", lines=[(support.language, 5_000_000)])
        rows = [[others[0].citizen_id, "GNBV", "language", "4.000.000", "02/03/2026", "1"],
                [others[1].citizen_id, "GNBV", "language", "1.000.001", "02/03/2026", "1"]]
        with pytest.raises(ImportRejected) as exc:
            import_payments(xlsx(PAY, rows), user=users.official_a)
        assert errors_of(exc) == {(3, "Số tiền")}
        assert "10.000.000 đ" in str(exc.value.errors[0])
        assert PaymentLine.objects.count() == 1

    def test_a_row_already_recorded_with_another_amount_is_an_error(self, support, users):
        import_payments(xlsx(PAY, good_payments(support)[:1]), user=users.official_a)
        changed = [good_payments(support)[0][:3] + ["3.000.000"] + good_payments(support)[0][4:]]
        with pytest.raises(ImportRejected) as exc:
            import_payments(xlsx(PAY, changed), user=users.official_a)
        assert errors_of(exc) == {(2, "Số tiền")}

    def test_the_command_imports_and_prints_every_error(self, support, users, tmp_path, capsys):
        good = tmp_path / "chi.xlsx"
        good.write_bytes(xlsx(PAY, good_payments(support)))
        call_command("import_payments", str(good), "--user", users.official_a.username)
        assert "payment lines created 3" in capsys.readouterr().out
        bad = tmp_path / "sai.xlsx"
        bad.write_bytes(xlsx(PAY, [[support.poor_b.citizen_id, "GNBV", "health", "1", "01/01/2026", "1"]]))
        with pytest.raises(CommandError) as exc:
            call_command("import_payments", str(bad), "--user", users.official_a.username)
        assert "row 2" in str(exc.value) or "dòng 2" in str(exc.value)
        with pytest.raises(CommandError):
            call_command("import_payments", str(good), "--user", users.viewer.username)
        assert PaymentLine.objects.count() == 3


    def test_a_decision_number_longer_than_its_column_is_an_error_not_a_crash(self, support, users):
        rows = good_payments(support)
        rows[2][5] = "Q" * 61  # the column holds 60 characters (PostgreSQL would refuse the row)
        with pytest.raises(ImportRejected) as exc:
            import_payments(xlsx(PAY, rows), user=users.official_a)
        assert errors_of(exc) == {(4, "Số quyết định")}
        assert "61" in exc.value.errors[0].message and not Payment.objects.exists()


class LoanImportTests:
    def rows(self, s):
        return [[s.poor_a.citizen_id, "100.000.000", "01/02/2026", 36, "Đã giải ngân"],
                [s.cham_a.citizen_id, 80000000, dt.datetime(2026, 4, 1), "24", "repaying"],
                [s.poor_a.citizen_id, "20.000.000", "01/03/2026", "12", ""]]

    def test_a_good_sheet_is_saved_and_importing_it_again_changes_nothing(self, support, users):
        result = import_loans(xlsx(LOAN, self.rows(support)), user=users.official_a)
        assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
        assert Loan.objects.get(worker=support.cham_a).status == LoanStatus.REPAYING
        before = snapshot()
        again = import_loans(xlsx(LOAN, self.rows(support)), user=users.official_a)
        assert (again.created, again.unchanged) == (0, 3) and snapshot() == before

    def test_a_new_status_in_the_sheet_moves_the_loan_forward_only(self, support, users):
        import_loans(xlsx(LOAN, self.rows(support)), user=users.official_a)
        rows = self.rows(support)
        rows[0][4] = "Đã trả hết"
        assert import_loans(xlsx(LOAN, rows), user=users.official_a).updated == 1
        assert Loan.objects.get(amount=100_000_000).status == LoanStatus.REPAID
        rows[0][4] = "Đang trả nợ"
        with pytest.raises(ImportRejected) as exc:
            import_loans(xlsx(LOAN, rows), user=users.official_a)
        assert errors_of(exc) == {(2, "Trạng thái")}

    def test_every_error_is_listed_and_nothing_is_saved(self, support, users):
        rows = self.rows(support) + [
            [support.kinh_a.citizen_id, "50.000.000", "01/02/2026", "12", ""],       # 5 not eligible
            [support.poor_b.citizen_id, "50.000.000", "01/02/2026", "12", ""],       # 6 other unit
            [support.poor_a.citizen_id, "năm mươi", "31/02/2026", "", "cho vay"],    # 7 amount, date, term, status
            [support.poor_a.citizen_id, "100.000.000", "01/02/2026", 36, ""],        # 8 same as row 2
            [support.poor_a.citizen_id, "10.000.000", "01/02/2026", 999, ""],        # 9 term
        ]
        with pytest.raises(ImportRejected) as exc:
            import_loans(xlsx(LOAN, rows), user=users.official_a)
        assert errors_of(exc) == {(5, "Số CCCD"), (6, "Số CCCD"), (7, "Số tiền"), (7, "Ngày giải ngân"),
                                  (7, "Thời hạn (tháng)"), (7, "Trạng thái"), (8, "Số tiền"), (9, "Thời hạn (tháng)")}
        assert not Loan.objects.exists()

    def test_a_purpose_or_bank_reference_longer_than_its_column_is_an_error_not_a_crash(self, support, users):
        header = [*LOAN, "Mục đích", "Mã khoản vay"]
        rows = [row + ["Đi làm việc ở Nhật Bản", "VBSP-1"] for row in self.rows(support)]
        rows[0][5] = "x" * 256
        rows[2][6] = "R" * 61
        with pytest.raises(ImportRejected) as exc:
            import_loans(xlsx(header, rows), user=users.official_a)
        assert errors_of(exc) == {(2, "Mục đích"), (4, "Mã khoản vay")}
        assert not Loan.objects.exists()
        rows[0][5], rows[2][6] = "x" * 255, "R" * 60
        assert import_loans(xlsx(header, rows), user=users.official_a).created == 3

    def test_the_command_imports_loans(self, support, users, tmp_path, capsys):
        path = tmp_path / "vay.xlsx"
        path.write_bytes(xlsx(LOAN, self.rows(support)))
        call_command("import_loans", str(path))
        assert "loans created 3" in capsys.readouterr().out


class UploadScreenTests:
    def test_the_upload_screens_save_a_good_file_and_list_the_errors_of_a_bad_one(self, support, users, client_for):
        client = client_for(users.official_a)
        upload = SimpleUploadedFile("chi.xlsx", xlsx(PAY, good_payments(support)))
        response = post_and_confirm(client, reverse("support:payment_import"), {"file": upload})
        assert response.status_code == 302 and PaymentLine.objects.count() == 3
        bad = SimpleUploadedFile("vay.xlsx", xlsx(LOAN, [[support.kinh_a.citizen_id, "1.000.000", "01/01/2026", 12, ""]]))
        response = client.post(reverse("support:loan_import"), {"file": bad})
        assert response.status_code == 200 and 'data-testid="import-errors"' in response.content.decode()
        assert not Loan.objects.exists()
        for name in ("support:payment_import_template", "support:loan_import_template"):
            assert client.get(reverse(name)).status_code == 200
