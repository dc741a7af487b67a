"""Preview before commit, for every upload screen and import command.

An import (``run(data, options) -> result``) is first run inside a transaction that is rolled back: the
preview keeps the counts (rows to create, to update, unchanged) and every error, with the file's bytes and
hash (``UploadPreview``). The confirmation runs the same import on the same bytes, for real:

- a preview already confirmed (a second click, a replayed request) saves nothing again (``AlreadyConfirmed``);
- a file whose bytes no longer match the hash the user previewed is refused (``ImportRejected``);
- when the data changed meanwhile so that the file would now do something else than shown, nothing is saved
  and the preview is checked again (``PreviewChanged``, carrying the new counts).

Commands take ``--dry-run`` (``portal.importing.ImportCommand``), printing :func:`summary_line`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import UploadPreview
from portal.xlsx import ImportRejected, RowError

Run = Callable[[bytes, dict], Any]
KEEP = dt.timedelta(days=2)


@dataclass(frozen=True)
class Counts:
    create: int = 0
    update: int = 0
    unchanged: int = 0


def result_counts(result: Any) -> Counts:
    """What an import's result did: its ``preview_counts()`` or its usual attributes (created, updated…)."""
    if hasattr(result, "preview_counts"):
        return Counts(*result.preview_counts())

    def first(*names: str) -> int:
        for name in names:
            value = getattr(result, name, None)
            if isinstance(value, int):
                return value
            if isinstance(value, list | tuple):
                return len(value)
        return 0

    return Counts(first("created", "lines"), first("updated", "changed", "advanced"), first("unchanged"))


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Rollback(Exception):
    def __init__(self, result: Any):
        super().__init__()
        self.result = result


def dry_run(run: Callable[[], Any]) -> tuple[Counts, list[RowError]]:
    """What ``run`` would do, saving nothing: its counts and its errors."""
    try:
        with transaction.atomic():
            raise _Rollback(run())
    except _Rollback as done:
        return result_counts(done.result), []
    except ImportRejected as exc:
        return Counts(*(exc.counts or (0, 0, 0))), list(exc.errors)


def summary_line(counts: Counts, errors: int) -> str:
    return f"{counts.create} to create, {counts.update} to update, {counts.unchanged} unchanged, {errors} errors"


class AlreadyConfirmed(Exception):
    def __init__(self, preview: UploadPreview):
        super().__init__(preview.result)
        self.preview = preview


class PreviewChanged(Exception):
    """The data changed since the preview: the file would now do something else; see the new preview."""

    def __init__(self, preview: UploadPreview):
        super().__init__()
        self.preview = preview


def _read(file: Any) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read()


def _store(preview: UploadPreview, counts: Counts, errors: list[RowError]) -> None:
    preview.to_create, preview.to_update, preview.unchanged = counts.create, counts.update, counts.unchanged
    preview.errors = [[e.row, e.column, e.message] for e in errors]


def upload_preview(*, kind: str, user, file: Any, options: dict, run: Run, file_name: str = "") -> UploadPreview:
    """Check the file without saving and keep it, with what it would do, until the user confirms."""
    data = _read(file)
    counts, errors = dry_run(lambda: run(data, options))
    UploadPreview.objects.filter(created_by=user, created_at__lt=timezone.now() - KEEP).delete()
    preview = UploadPreview(kind=kind, created_by=user, file_name=(file_name or getattr(file, "name", ""))[:255],
                            data=data, file_hash=file_hash(data), options=options)
    _store(preview, counts, errors)
    if not errors and (counts.create or counts.update):  # else there is nothing to confirm: nothing to keep
        preview.save()
    return preview


def upload_confirm(*, kind: str, user, preview_id: int, posted_hash: str, run: Run) -> Any:
    """Save what the preview showed, once; see the module's docstring for what is refused."""
    try:
        with transaction.atomic():
            preview = UploadPreview.objects.select_for_update().filter(pk=preview_id, created_by=user, kind=kind).first()
            if preview is None:
                raise ImportRejected([RowError(0, "", _("This preview no longer exists: upload the file again."))])
            if preview.status == UploadPreview.Status.DONE:
                raise AlreadyConfirmed(preview)
            data = bytes(preview.data)
            if posted_hash != preview.file_hash or file_hash(data) != preview.file_hash:
                raise ImportRejected([RowError(0, "", _(
                    "The file changed since it was previewed: upload it again and check the new preview."))])
            result = run(data, preview.options)
            counts = result_counts(result)
            if counts != Counts(preview.to_create, preview.to_update, preview.unchanged):
                raise _Rollback(counts)
            preview.status, preview.done_at, preview.result = UploadPreview.Status.DONE, timezone.now(), str(result)
            preview.save(update_fields=["status", "done_at", "result"])
            return result
    except _Rollback:
        preview.refresh_from_db()
        counts, errors = dry_run(lambda: run(bytes(preview.data), preview.options))
        _store(preview, counts, errors)
        preview.save(update_fields=["to_create", "to_update", "unchanged", "errors"])
        raise PreviewChanged(preview) from None


# --- the screens ---------------------------------------------------------------------------------------------------


@dataclass
class UploadStep:
    """Where an upload screen is: nothing yet, a preview to confirm, or a saved result."""

    preview: UploadPreview | None = None
    result: Any = None
    import_errors: list[RowError] = field(default_factory=list)
    message: str = ""

    @property
    def saved(self) -> bool:
        return self.result is not None


def form_data(request) -> tuple:
    """The data to bind an upload form to: none on a confirmation (which posts no file)."""
    if request.method == "POST" and request.POST.get("preview_id"):
        return None, None
    return request.POST or None, request.FILES or None


def upload_step(request, *, kind: str, form, run: Run, options: Callable[[dict], dict] = lambda data: {}) -> UploadStep:
    """The upload screen's POST: a file → its preview; a confirmation → the saved result (or why not)."""
    if request.method != "POST":
        return UploadStep()
    preview_id = request.POST.get("preview_id", "")
    if preview_id:
        if not preview_id.isdigit():
            return UploadStep(import_errors=[RowError(0, "", _("This preview no longer exists: upload the file again."))])
        try:
            result = upload_confirm(kind=kind, user=request.user, preview_id=int(preview_id),
                                    posted_hash=request.POST.get("file_hash", ""), run=run)
        except AlreadyConfirmed:
            return UploadStep(message=_("This file was already saved; nothing was saved twice."))
        except PreviewChanged as exc:
            return UploadStep(preview=exc.preview, import_errors=_errors(exc.preview), message=_(
                "The data changed since the preview, so nothing was saved: check the new preview and confirm again."))
        except ImportRejected as exc:
            return UploadStep(import_errors=exc.errors)
        return UploadStep(result=result)
    if not form.is_valid():
        return UploadStep()
    preview = upload_preview(kind=kind, user=request.user, file=form.cleaned_data["file"],
                             options=options(form.cleaned_data), run=run)
    return UploadStep(preview=preview, import_errors=_errors(preview))


def _errors(preview: UploadPreview) -> list[RowError]:
    return [RowError(row, column, message) for row, column, message in preview.errors]
