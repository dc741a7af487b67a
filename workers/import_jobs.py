"""A worker sheet of more than ``IMPORT_JOB_ROWS`` rows is imported by a report job: the upload is kept in the
private files, the request answers at once with the job's page (progress bar), and a worker of the default queue
runs the same ``import_workers`` — all or nothing in one transaction, as on the screen — then deletes the file.
The job's result is the counts, or the rejected rows' errors, shown by ``workers:import_result``."""
from __future__ import annotations

import io
import uuid
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from portal.jobs import job_progress
from portal.xlsx import ImportRejected, check_upload, clean_cell
from workers.importers import import_workers

IMPORT_JOB_ROWS = 2000  # a sheet longer than this is imported by a job, not in the request
IMPORT_DIR = "imports"
ERRORS_KEPT = 1000  # errors kept in the job's result (the count is always kept)


def sheet_rows(data: bytes, *, up_to: int | None = None) -> int:
    """Non-empty rows of the first sheet (header included), counted up to ``up_to`` + 1 at most
    (default ``IMPORT_JOB_ROWS`` + 1); 0 when it cannot be read (the import, in the request, says why). A hostile
    file (too large, inflating, too many cells) is never handed to the parser; empty rows do not count."""
    limit = (IMPORT_JOB_ROWS + 1 if up_to is None else up_to) + 1
    try:
        check_upload(data)
    except ImportRejected:
        return 0
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            return 0
        count = 0
        for row in workbook.get_sheet_by_index(0).iter_rows():
            if any(clean_cell(value) is not None for value in row):
                count += 1
                if count >= limit:
                    break
        return count
    except Exception:  # a broken file: the import itself rejects it with its message
        return 0


def upload_keep(data: bytes) -> str:
    """Keep an upload for its job in the private files (never served); its name relative to them."""
    name = f"{IMPORT_DIR}/{uuid.uuid4().hex}.xlsx"
    path = Path(settings.PRIVATE_MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return name


def _upload_path(name: str) -> Path:
    path = (Path(settings.PRIVATE_MEDIA_ROOT) / name).resolve()
    if path.parent != (Path(settings.PRIVATE_MEDIA_ROOT) / IMPORT_DIR).resolve():
        raise ValueError("Not an upload of an import job.")
    return path


def run_import_job(job) -> dict:
    """The job function (``settings.REPORT_JOB_KINDS["import_workers"]``): the import under the user's scope."""
    if job.user is None or not job.user.is_active:
        raise PermissionError(_("The account that uploaded this file is no longer active."))
    path = _upload_path(job.params["upload"])
    try:
        data = path.read_bytes()
        job_progress(job, 5)
        try:
            result = import_workers(data, user=job.user, accept_duplicates=bool(job.params.get("accept_duplicates")),
                                    structure=job.params.get("structure") or None)
        except ImportRejected as exc:
            return {"rejected": True, "error_count": len(exc.errors),
                    "errors": [{"row": e.row, "column": str(e.column), "message": str(e.message)}
                               for e in exc.errors[:ERRORS_KEPT]]}
        return {"rejected": False, **vars(result)}
    finally:
        path.unlink(missing_ok=True)
