"""Every Excel file the portal writes prints: A4 landscape (portrait allowed for a text sheet), one page wide, the
header rows repeated on each page, a footer with the page number and the day it was written, a print area.

The workbooks are found, not listed: every URL of the portal (from the resolver, with the URL walk's factories
for those that take an id) is fetched as the administrator and each answer that is a workbook is checked; so are
the report job's file and the export commands'. A new export is covered without anyone remembering."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from portal.xlsx import XLSX_CONTENT_TYPE
from tests.export_helpers import export_response
from tests.test_url_scope import FACTORIES, walk

pytestmark = pytest.mark.django_db


def print_problems(data: bytes, origin: str) -> list[str]:
    problems = []
    book = load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        where = f"{origin} › {ws.title}"
        setup = ws.page_setup
        if str(setup.paperSize) != "9":
            problems.append(f"{where}: paper {setup.paperSize}, not A4")
        if setup.orientation not in ("landscape", "portrait"):
            problems.append(f"{where}: no orientation")
        if not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage
                and str(setup.fitToWidth or 1) == "1"):  # absent means 1 (the file format's default)
            problems.append(f"{where}: not fitted to one page wide")
        if ws.max_row > 1 and ws.title != "Nhận xét" and not ws.print_title_rows:
            problems.append(f"{where}: no header rows repeated on each page")
        if "&P" not in (ws.oddFooter.center.text or "") or "Lập ngày" not in (ws.oddFooter.right.text or ""):
            problems.append(f"{where}: no page number and date in the footer")
        if not ws.print_area:
            problems.append(f"{where}: no print area")
    return problems


def workbooks_from_urls(client, env) -> dict[str, bytes]:
    found = {}
    for name, params in walk():
        if params and name not in FACTORIES:
            continue
        url = reverse(name, kwargs=FACTORIES[name](env) if params else {})
        response = export_response(client, url)  # an export answers with a job: its file
        if response.status_code == 200 and response.get("Content-Type", "").startswith(XLSX_CONTENT_TYPE):
            found[name] = b"".join(response.streaming_content) if response.streaming else response.content
    return found


class WorkbookPrintTests:
    def test_every_workbook_the_portal_writes_prints_on_a4_one_page_wide(self, units, users, client_for, tmp_path,
                                                                       departed):
        from portal.jobs import job_create, job_run
        from reports.progress import Period

        env = SimpleNamespace(units=units, users=users)
        found = workbooks_from_urls(client_for(users.admin), env)
        # The exports and templates of every app are among them (a list that only grows).
        assert {"workers:worker_export", "workers:worker_import_template", "targets:quota_template",
                "targets:monthly_template", "support:summary_export", "support:payment_import_template",
                "support:loan_import_template", "outreach:funnel_export"} <= set(found)
        period = Period.for_year(2024)
        job = job_run(job_create(user=users.admin, unit=units.province, kind="progress", enqueue=False,
                                 params={"period": period.to_params(), "source": "registry", "label": period.label}).pk)
        found["progress job"] = job.file.read()
        for name in ("workers:due_list", "progress:pool"):  # exports of a list screen (?format=xlsx)
            response = export_response(client_for(users.admin), reverse(name), {"format": "xlsx", "everyone": "on"})
            found[f"{name} xlsx"] = b"".join(response.streaming_content)
        call_command("export_workers", "--out", str(tmp_path / "workers.xlsx"))
        found["export_workers"] = (tmp_path / "workers.xlsx").read_bytes()
        problems = [problem for origin, data in found.items() for problem in print_problems(data, origin)]
        assert problems == []
