"""The review document a province signs: the state's format (Decree 30/2020/NĐ-CP) and a body written from the
data, read back with python-docx. Dataset: Ninh Thuận, first half of 2021 (tests/reports/progress_data.py)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document
from docx.shared import Pt

from outreach.models import Activity, Kind
from portal.models import JobStatus, ReportJob
from reports.progress import Period
from reports.review import review_document, review_template_save, template_for
from reports.review.document import default_template
from tests.reports.progress_data import h1_2021_dataset

pytestmark = pytest.mark.django_db

TODAY = dt.date(2021, 7, 20)


def text_of(content: bytes) -> tuple[Document, list[str], list[list[list[str]]]]:
    document = Document(io.BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return document, paragraphs, tables


@pytest.fixture
def dataset(units):
    h1_2021_dataset()
    Activity.objects.create(unit=units.province, kind=Kind.JOB_FAIR, name="Phiên giao dịch việc làm thử",
                            date=dt.date(2021, 3, 12), enterprises=20, attendees=300, counselled=120)
    return units


def h1_document(units, **kwargs) -> bytes:
    return review_document(unit=units.province, period=Period.for_year(2021, "h1"), today=TODAY, **kwargs)


class ReviewDocumentTests:
    def test_the_body_states_the_exact_figures_of_the_report(self, dataset):
        _document, paragraphs, tables = text_of(h1_document(dataset))
        body = "\n".join(paragraphs)
        assert ("Trong 6 tháng đầu năm 2021, toàn tỉnh đã đưa 22 lao động đi làm việc ở nước ngoài (Nhật Bản 8, "
                "Hàn Quốc 7, Đài Loan 6, thị trường khác 1), đạt 14,7% kế hoạch năm (150 lao động); còn 1 lao động "
                "đang học định hướng, chờ xuất cảnh.") in paragraphs
        assert ("Theo tiến độ kế hoạch, đến ngày 30/06/2021 cần đạt 75 lao động; thực hiện 22, chậm 53 lao động so "
                "với tiến độ.") in paragraphs
        assert ("Trong số lao động xuất cảnh có 4 lao động nữ (18,2%), 2 lao động thuộc hộ nghèo, hộ cận nghèo và "
                "3 lao động là người dân tộc thiểu số; 90,9% có chứng chỉ bồi dưỡng kiến thức cần thiết.") in paragraphs
        assert ("Số lao động xuất cảnh tăng 19 lao động (633,3%) so với cùng kỳ năm trước (3 lao động).") in paragraphs
        assert ("Tổ chức 1 phiên giao dịch việc làm với 20 lượt doanh nghiệp và 300 lượt người lao động, học sinh "
                "tham dự.") in paragraphs
        assert ("Trong kỳ, cổng thông tin chưa ghi nhận khoản hỗ trợ hay khoản vay nào cho lao động của đơn vị."
                in paragraphs)  # a section without data says so instead of inventing text
        assert "7 đơn vị còn 42 tháng chưa có số liệu báo cáo tháng được duyệt" in body
        assert "… (đơn vị bổ sung các tồn tại, hạn chế khác và nguyên nhân)" in paragraphs
        units_table = next(table for table in tables if table[0][0] == "STT")
        assert units_table[-1][1:] == ["Tổng cộng", "150", "22", "14,7%", "3"]
        assert len(units_table) == 1 + 7 + 1  # header, the seven districts, total
        son = next(row for row in units_table if row[1] == "Huyện Ninh Sơn")
        assert son[2:] == ["25", "10", "40,0%", "3"]

    def test_the_layout_follows_decree_30(self, dataset):
        document, paragraphs, tables = text_of(h1_document(dataset))
        heading = [line for cell in tables[0][0] for line in cell.splitlines()]
        assert heading[:4] == ["UBND TỈNH NINH THUẬN", "SỞ NỘI VỤ", "───────", "Số:        /BC-SNV"] or \
            heading[:2] == ["UBND TỈNH NINH THUẬN", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"]
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading and "Độc lập - Tự do - Hạnh phúc" in heading
        assert "Ninh Thuận, ngày 20 tháng 07 năm 2021" in heading
        assert paragraphs[paragraphs.index("BÁO CÁO") + 1] == (
            "Sơ kết công tác đưa người lao động đi làm việc ở nước ngoài theo hợp đồng 6 tháng đầu năm 2021")
        headings = [p for p in paragraphs if p[:3] in ("I. ", "II.", "III", "IV.", "V. ")]
        assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V"]
        closing = [line for cell in tables[-1][0] for line in cell.splitlines()]
        assert closing[0] == "Nơi nhận:" and "- Lưu: VT." in closing and "GIÁM ĐỐC" in closing
        section = document.sections[0]
        assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
        margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
        assert [round(margin.cm, 1) for margin in margins] == [2.0, 2.0, 3.0, 1.5]  # mm: 20, 20, 30, 15
        normal = document.styles["Normal"].font
        assert (normal.name, normal.size) == ("Times New Roman", Pt(14))

    def test_a_period_not_yet_begun_is_refused(self, dataset):
        from reports.review import PeriodNotStarted

        with pytest.raises(PeriodNotStarted):
            review_document(unit=dataset.province, period=Period.for_year(2021, "q4"), today=TODAY)


def edited(replace: str, by: str) -> bytes:
    """The portal's template with some fixed wording changed, as a province would in Word."""
    document = Document(io.BytesIO(default_template()))
    for paragraph in [*document.paragraphs, *(p for t in document.tables for r in t.rows for c in r.cells
                                              for p in c.paragraphs)]:
        for run in paragraph.runs:
            if replace in run.text:
                run.text = run.text.replace(replace, by)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class ReviewTemplateTests:
    def test_a_province_uses_its_own_wording_and_can_go_back_to_the_portals(self, dataset, users):
        custom = edited("Nơi nhận:", "Nơi nhận (mẫu của tỉnh):")
        review_template_save(user=users.province, unit=dataset.province, content=custom, name="mau.docx")
        assert template_for(dataset.a).unit == dataset.province  # the units below use it too
        _document, _paragraphs, tables = text_of(h1_document(dataset))
        assert tables[-1][0][0].startswith("Nơi nhận (mẫu của tỉnh):")

    def test_a_template_that_names_an_unknown_field_is_refused_naming_it(self, dataset, users):
        broken = edited("{{ signer_name }}", "{{ ten_giam_doc }}")
        with pytest.raises(ValidationError) as exc:
            review_template_save(user=users.province, unit=dataset.province, content=broken, name="mau.docx")
        assert "ten_giam_doc" in str(exc.value)
        assert template_for(dataset.province) is None  # nothing saved: the portal's own still applies
        assert h1_document(dataset)  # and still works

    def test_a_template_with_a_tag_that_cannot_be_read_is_refused(self, dataset, users):
        broken = edited("{{ signer_name }}", "{{ signer_name ")
        with pytest.raises(ValidationError):
            review_template_save(user=users.province, unit=dataset.province, content=broken, name="mau.docx")

    def test_a_file_that_is_not_a_word_document_is_refused(self, dataset, users):
        with pytest.raises(ValidationError):
            review_template_save(user=users.province, unit=dataset.province, content=b"%PDF-1.4 nope", name="a.docx")

    def test_the_template_page_offers_the_template_and_refuses_uploads_to_officials(self, dataset, users,
                                                                                  client_for):
        page = client_for(users.official_a).get(reverse("progress:review_template"))
        assert page.status_code == 200 and b"Upload your template" not in page.content
        download = client_for(users.official_a).get(reverse("progress:review_template_default"))
        assert download.status_code == 200 and download.content[:2] == b"PK"
        upload = SimpleUploadedFile("mau.docx", default_template())
        assert client_for(users.official_a).post(reverse("progress:review_template"),
                                                 {"file": upload}).status_code == 403
        response = client_for(users.province).post(reverse("progress:review_template"),
                                                   {"file": SimpleUploadedFile("mau.docx", default_template())})
        assert response.status_code == 302 and template_for(dataset.province) is not None


class ReviewJobTests:
    def test_the_progress_page_writes_the_document_as_a_job_and_offers_the_download(
            self, dataset, users, client_for, django_capture_on_commit_callbacks):
        client = client_for(users.province)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("progress:form"), {
                "unit": dataset.province.pk, "year": 2021, "period": "h1", "source": "registry", "output": "review"})
        job = ReportJob.objects.get()
        assert response.url == reverse("jobs:detail", args=[job.pk])
        if job.status == JobStatus.PENDING:  # sent to a real worker (CI): do what it does
            from portal.jobs import job_run

            job_run(job.pk)
        job.refresh_from_db()
        assert (job.kind, job.status) == ("review", JobStatus.DONE)
        download = client.get(reverse("jobs:download", args=[job.pk]))
        content = b"".join(download.streaming_content)
        assert "Kết quả theo đơn vị:" in text_of(content)[1]

    def test_another_units_official_cannot_ask_for_a_province_document(self, dataset, users, client_for):
        response = client_for(users.official_a).post(reverse("progress:form"), {
            "unit": dataset.b.pk, "year": 2021, "period": "h1", "source": "registry", "output": "review"})
        assert response.status_code == 404 and not ReportJob.objects.exists()

    def test_a_period_in_the_future_is_refused_beside_the_field(self, dataset, users, client_for):
        response = client_for(users.province).post(reverse("progress:form"), {
            "unit": dataset.province.pk, "year": dt.date.today().year + 1, "period": "year", "source": "registry",
            "output": "review"})
        assert response.status_code == 200 and not ReportJob.objects.exists()
        assert response.context["form"].errors["period"]


class ExportReviewCommandTests:
    def test_the_command_writes_the_document(self, dataset, users, tmp_path, capsys):
        out = tmp_path / "bao-cao.docx"
        call_command("export_review", "--unit", "58", "--structure", "legacy", "--year", "2021", "--period", "h1",
                     "--out", str(out))
        assert "Nhật Bản 8" in "\n".join(text_of(out.read_bytes())[1])
        assert capsys.readouterr().out.startswith("58 Tỉnh Ninh Thuận – 6 tháng đầu năm 2021")

    def test_a_future_period_and_an_unknown_unit_are_refused(self, dataset, users, tmp_path):
        with pytest.raises(CommandError):
            call_command("export_review", "--unit", "58", "--structure", "legacy", "--year",
                         str(dt.date.today().year + 1), "--out", str(tmp_path / "x.docx"))
        with pytest.raises(CommandError):
            call_command("export_review", "--unit", "99999", "--year", "2021", "--out", str(tmp_path / "x.docx"))


class ReviewLimitationsTests:
    def test_absconding_overstay_and_open_complaints_are_drawn_from_the_data(self, units, users, reference):
        import importlib

        from django.apps import apps

        from complaints import services as complaints
        from complaints.models import Category, ComplainantKind, PartyKind
        from tests.reports.progress_data import communes, depart
        from workers import services

        home = communes("585")[0]
        gone = depart(home, dt.date(2020, 3, 1))
        gone.contract_end = dt.date(2021, 3, 1)  # ended, never came back: overstaying by 30/06/2021
        gone.save(update_fields=["contract_end"])
        runaway = depart(home, dt.date(2020, 6, 1))
        services.absconding_record(user=users.admin, departure=runaway, learned_on=dt.date(2021, 4, 2),
                                   source="family")
        importlib.import_module("complaints.migrations.0002_seed_categories_and_deadlines").seed(apps, None)
        complaints.case_receive(user=users.admin, unit=units.a, received_on=dt.date(2021, 5, 3), today=TODAY,
                                complainant_kind=ComplainantKind.ANONYMOUS, respondent_kind=PartyKind.BROKER,
                                respondent_name="Người môi giới", category=Category.objects.first(),
                                description="Thu tiền rồi không đưa đi.")
        _document, paragraphs, _tables = text_of(h1_document(units))
        assert ("Trong kỳ ghi nhận 1 lao động bỏ trốn khỏi nơi làm việc; đến ngày 30/06/2021 có 1 lao động đã hết hạn "
                "hợp đồng nhưng chưa về nước (quá thời gian gia hạn).") in paragraphs
        assert ("Tiếp nhận 1 đơn khiếu nại, tố cáo; đến cuối kỳ còn 1 vụ việc đang giải quyết, trong đó 1 vụ việc "
                "quá hạn.") in paragraphs
