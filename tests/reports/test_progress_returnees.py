"""The progress workbook counts the returnees of the period by outcome (on time, early, after overstaying), per
unit and in total, beside the existing figures of its summary sheet."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from reports.progress import Period, progress_rows
from reports.progress.jobs import run_progress_job
from reports.progress.returnees import returnee_counts
from reports.progress.workbooks import SUMMARY_SHEET, write_progress_workbook
from tests.reports.test_progress_workbook import header_map
from workers import services


def returned(make_worker, users, reference, unit, back: dt.date, *, early=False, absconded=False):
    departure = services.departure_record(user=users.admin, worker=make_worker(unit), date=dt.date(2021, 3, 1),
                                          country=reference.japan, contract_months=36)
    if absconded:
        services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2022, 2, 1),
                                   source="family")
    return services.return_record(user=users.admin, departure=departure, date=back, early=early)


class ProgressReturneeTests:
    def test_the_summary_counts_returnees_by_outcome_per_unit(self, make_worker, users, reference, units):
        returned(make_worker, users, reference, units.commune_a, dt.date(2024, 3, 10))  # on time
        returned(make_worker, users, reference, units.commune_a, dt.date(2024, 1, 5), early=True)
        returned(make_worker, users, reference, units.commune_a, dt.date(2024, 5, 20))  # 80 days late
        returned(make_worker, users, reference, units.commune_b, dt.date(2024, 2, 1), absconded=True)
        returned(make_worker, users, reference, units.commune_b, dt.date(2023, 12, 31))  # before the period
        period = Period.for_year(2024, "h1")
        report = progress_rows(unit=units.province, period=period, today=dt.date(2026, 1, 1))
        returnee_counts(report, units.province)
        rows = {row.code: row for row in report.rows}
        assert (rows["585"].returned, rows["585"].returned_on_time, rows["585"].returned_early,
                rows["585"].returned_after_overstay) == (3, 1, 1, 1)
        assert (rows["584"].returned, rows["584"].returned_after_overstay) == (1, 1)
        assert (report.total.returned, report.total.returned_on_time) == (4, 1)
        buffer = io.BytesIO()
        write_progress_workbook(report, buffer)
        sheet = load_workbook(io.BytesIO(buffer.getvalue()))[SUMMARY_SHEET]
        header, cols = header_map(sheet)
        line = {sheet.cell(row=r, column=1).value: r for r in range(header + 1, header + 10)}
        assert sheet.cell(row=line["585"], column=cols["Số lao động về nước"]).value == 3
        assert sheet.cell(row=line["585"], column=cols["Về nước sau khi quá hạn, bỏ trốn"]).value == 1
        assert sheet.cell(row=line["58"], column=cols["Về nước trước hạn"]).value == 1

    def test_the_report_job_counts_them(self, make_worker, users, reference, units, tmp_path, settings):
        from portal.jobs import job_create

        settings.MEDIA_ROOT = str(tmp_path)
        returned(make_worker, users, reference, units.commune_a, dt.date(2024, 3, 10))
        period = Period.for_year(2024, "h1")
        job = job_create(user=users.province, unit=units.province, kind="progress", enqueue=False,
                         params={"period": period.to_params(), "source": "registry", "label": period.label})
        output = run_progress_job(job)
        assert output.result["total"]["returned"] == 1 and output.result["total"]["returned_on_time"] == 1
