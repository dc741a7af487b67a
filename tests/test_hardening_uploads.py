"""Hostile files through every upload screen and import command: refused with a clear message, nothing saved,
never a server error, never stuck; user text that looks like a formula comes out neutralised when exported."""
from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.conftest import post_and_confirm
from tests.export_helpers import export_response

pytestmark = pytest.mark.django_db

# upload screen (URL name) -> (the role that may upload, the import command)
UPLOADS = {
    "targets:quota_import": ("province", "import_quotas"),
    "targets:monthly_import": ("official_a", "import_monthly"),
    "workers:worker_import": ("official_a", "import_workers"),
    "outreach:event_import": ("official_a", "import_events"),
}
HEADERS = {
    "targets:quota_import": ["Mã đơn vị", "Năm", "Chỉ tiêu"],
    "targets:monthly_import": ["Mã đơn vị", "Tháng", "departed"],
    "workers:worker_import": ["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Mã đơn vị"],
    "outreach:event_import": ["Mã đơn vị", "Ngày", "Loại hoạt động", "Tên"],
}


def saved_rows() -> dict[str, int]:
    """Row counts of every model of the portal's apps (new ones included) except the audit trail."""
    from tests.conftest import project_apps

    return {f"{m._meta.label}": m.objects.count() for config in project_apps() for m in config.get_models()}


def workbook(rows: list[list]) -> bytes:
    """Text cells stay text even when they start with "=" (openpyxl would otherwise write a formula)."""
    book = Workbook()
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = book.active.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_SCREENS: set[str] | None = None


def upload_screens(client) -> set[str]:
    """Every page of the portal (from the URL resolver) whose form takes a file (found once per run)."""
    global _SCREENS
    if _SCREENS is not None:
        return _SCREENS
    from tests.test_url_scope import url_for, walk

    found = set()
    for name, params in walk():
        if params:
            continue
        response = client.get(url_for(name, {}))
        if response.status_code == 200 and not response.streaming and b'type="file"' in response.content:
            found.add(name)
    _SCREENS = found
    return found


def import_commands() -> list[str]:
    from django.core.management import get_commands

    from tests.conftest import project_apps

    ours = {config.name for config in project_apps()}
    return sorted(name for name, app in get_commands().items() if name.startswith("import_") and app in ours)


_BOMB: bytes | None = None


def zip_bomb() -> bytes:
    """A 1 MB .xlsx whose sheet inflates to 1 GiB of zeros."""
    global _BOMB
    if _BOMB is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                block = b"0" * (1 << 24)
                for _ in range(64):
                    member.write(block)
        _BOMB = buffer.getvalue()
    return _BOMB


def far_cell() -> bytes:
    """5 KB naming cell XFD1048576: a reader would allocate 17 billion cells."""
    book = Workbook()
    book.active.append(["Mã đơn vị", "Năm", "Chỉ tiêu"])
    book.active.cell(row=1_048_576, column=16_384, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HOSTILE: dict[str, Callable[[], bytes]] = {
    "pdf-renamed-xlsx": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "legacy-xls": lambda: bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 2048,
    "csv-in-cp1258": lambda: "Mã đơn vị;Năm;Chỉ tiêu\n585;2021;25\n".encode("cp1258", errors="replace"),
    "text-in-utf16": lambda: "Mã đơn vị\tNăm\tChỉ tiêu\n585\t2021\t25\n".encode("utf-16"),
    "zip-without-workbook": lambda: _zip({"hello.txt": "hi"}),
    "zip-bomb-1GiB": zip_bomb,
    "far-cell-XFD1048576": far_cell,
    "empty-file": lambda: b"",
}


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def post_file(client, name: str, data: bytes, filename: str = "tep.xlsx"):
    upload = SimpleUploadedFile(filename, data, content_type="application/octet-stream")
    started = time.monotonic()
    response = client.post(reverse(name), {"file": upload})
    return response, time.monotonic() - started


def shown_errors(response) -> list[str]:
    context = response.context
    errors = [str(e) for e in context.get("import_errors") or []]
    if context.get("form") is not None:
        errors += [str(m) for messages in context["form"].errors.values() for m in messages]
    return errors


@pytest.fixture
def env(users, units, clock_today):
    return users


@pytest.fixture
def clock_today(monkeypatch):
    """Early in March 2026: February's figures may still be entered."""
    from targets import services

    monkeypatch.setattr(services, "today", lambda: dt.date(2026, 3, 3))


class HostileUploadTests:
    @pytest.mark.parametrize("kind", list(HOSTILE))
    @pytest.mark.parametrize("url_name", list(UPLOADS))
    def test_a_hostile_file_is_refused_on_the_screen_with_a_message_and_nothing_saved(
            self, env, client_for, url_name, kind):
        before = saved_rows()
        response, seconds = post_file(client_for(getattr(env, UPLOADS[url_name][0])), url_name, HOSTILE[kind]())
        assert response.status_code == 200
        errors = shown_errors(response)
        assert errors and all(e.strip() for e in errors), f"{url_name} {kind}: no message"
        assert saved_rows() == before
        assert seconds < 15, f"{url_name} {kind} took {seconds:.1f} s"

    @pytest.mark.parametrize("kind", list(HOSTILE))
    def test_every_import_command_refuses_a_hostile_file_and_saves_nothing(self, env, tmp_path, kind):
        commands = import_commands()
        assert {command for _role, command in UPLOADS.values()} <= set(commands)
        path = tmp_path / "tep.xlsx"
        path.write_bytes(HOSTILE[kind]())
        before = saved_rows()
        for command in commands:
            with pytest.raises(CommandError) as exc:
                call_command(command, str(path), user=env.admin.username)
            assert str(exc.value).strip(), command
        assert saved_rows() == before

    @pytest.mark.parametrize("kind", list(HOSTILE))
    def test_every_upload_screen_found_in_the_portal_refuses_a_hostile_file(self, env, client_for, kind):
        client = client_for(env.admin)
        screens = upload_screens(client)
        assert set(UPLOADS) <= screens
        before = saved_rows()
        for url_name in sorted(screens):
            response, seconds = post_file(client, url_name, HOSTILE[kind]())
            assert response.status_code == 200, f"{url_name}: {response.status_code}"
            assert shown_errors(response), f"{url_name} {kind}: no message"
            assert seconds < 15, f"{url_name} {kind} took {seconds:.1f} s"
        assert saved_rows() == before

    @pytest.mark.parametrize("url_name", list(UPLOADS))
    def test_a_file_that_is_not_named_xlsx_or_is_too_large_is_refused_beside_the_field(
            self, env, client_for, settings, url_name):
        client = client_for(getattr(env, UPLOADS[url_name][0]))
        response, _ = post_file(client, url_name, workbook([HEADERS[url_name]]), filename="tep.csv")
        assert response.context["form"].errors["file"]
        settings.UPLOAD_MAX_BYTES = 1024
        response, _ = post_file(client, url_name, b"x" * 4096)
        assert response.context["form"].errors["file"] and saved_rows()["targets.Quota"] == 0

    @pytest.mark.parametrize("url_name", list(UPLOADS))
    def test_a_sheet_with_a_million_empty_rows_is_read_quickly_and_saves_nothing(self, env, client_for, url_name):
        book = Workbook()
        book.active.append(HEADERS[url_name])
        book.active.cell(row=1_000_000, column=1, value=" ")
        out = io.BytesIO()
        book.save(out)
        before = saved_rows()
        response, seconds = post_file(client_for(getattr(env, UPLOADS[url_name][0])), url_name, out.getvalue())
        assert response.status_code in (200, 302) and seconds < 15
        assert saved_rows() == before


FORMULAS = ["=HYPERLINK(\"http://x.example\",\"Bấm\")", "+84 912 345 678", "-2+3", "@SUM(A1:A9)"]


class UserTextTests:
    def test_event_names_that_look_like_formulas_are_stored_as_text_and_exported_neutralised(
            self, env, client_for):
        from outreach.models import Activity, Campaign

        campaign = Campaign.objects.create(name="=cmd|' /C calc'!A0", unit=env.official_a.scope.unit,
                                           date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))
        rows = [HEADERS["outreach:event_import"]] + [["585", "10/02/2026", "Hội nghị", name] for name in FORMULAS]
        client = client_for(env.official_a)
        upload = SimpleUploadedFile("tep.xlsx", workbook(rows))
        response = post_and_confirm(client, reverse("outreach:event_import"), {"file": upload, "campaign": campaign.pk})
        assert response.status_code == 302, shown_errors(response)
        assert sorted(Activity.objects.values_list("name", flat=True)) == sorted(FORMULAS), "stored as typed"
        exported = export_response(client, reverse("outreach:campaign_export", args=[campaign.pk]))
        book = load_workbook(io.BytesIO(b"".join(exported.streaming_content) if exported.streaming else
                                        exported.content))
        texts = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert not [t for t in texts if t[:1] in "=+-@"], "no cell of the export starts a formula"
        assert book.worksheets[0]["A1"].data_type != "f"

    def test_worker_names_that_look_like_formulas_never_come_out_as_formulas(self, env, client_for):
        from tests.workers.fixtures import cccd
        from workers.models import Worker

        rows = [HEADERS["workers:worker_import"]] + [
            [name, cccd(dt.date(1990, 1, i + 1), serial=600 + i), f"0{i + 1}/01/1990", "Nam", env.official_a.scope.unit.code]
            for i, name in enumerate(FORMULAS)]
        client = client_for(env.official_a)
        response = post_and_confirm(client, reverse("workers:worker_import"),
                                    {"file": SimpleUploadedFile("tep.xlsx", workbook(rows))})
        assert response.status_code == 302, shown_errors(response)
        assert sorted(Worker.objects.values_list("full_name", flat=True)) == sorted(FORMULAS), "stored as typed"
        exported = export_response(client, reverse("workers:worker_export"))
        content = b"".join(exported.streaming_content) if exported.streaming else exported.content
        names = [row[0] for row in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(min_row=2, values_only=True)]
        assert names and all(not n.startswith(("=", "+", "-", "@")) for n in names), names

    @pytest.mark.parametrize("url_name, row", [
        ("outreach:event_import", ["585", "10/02/2026", "Hội nghị", "Hội nghị " * 40]),
        ("workers:worker_import", ["Nguyễn " * 30, "058090000777", "01/01/1990", "Nam", "585"]),
    ], ids=["event-name-over-255", "worker-name-over-120"])
    def test_text_longer_than_the_field_is_a_row_error_not_a_server_error(self, env, client_for, url_name, row):
        before = saved_rows()
        data = workbook([HEADERS[url_name], row])
        response, _ = post_file(client_for(env.official_a), url_name, data)
        assert response.status_code == 200
        errors = response.context["import_errors"]
        assert errors and errors[0].row == 2, [str(e) for e in errors]
        assert saved_rows() == before

    def test_a_real_formula_cell_is_never_evaluated_and_is_a_row_error(self, env, client_for):
        book = Workbook()
        book.active.append(HEADERS["outreach:event_import"])
        book.active.append(["585", "10/02/2026", "Hội nghị", "=1+1"])  # openpyxl writes a formula, no cached value
        out = io.BytesIO()
        book.save(out)
        before = saved_rows()
        response, _ = post_file(client_for(env.official_a), "outreach:event_import", out.getvalue())
        assert response.status_code == 200 and [e.row for e in response.context["import_errors"]] == [2]
        assert saved_rows() == before
