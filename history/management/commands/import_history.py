"""``manage.py import_history FILE (--mapping NAME | --auto) [--structure legacy|2025] [--dry-run]``: a file of history
through the same mapping, preview and commit as the screens, in one run."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from history import services
from history.fields import field_label, required_problems
from history.mapping import mapping_problems
from history.models import BatchStatus, ColumnMapping, ImportBatch, SheetKind
from history.reading import file_format
from portal.importing import command_user, rejection_as_command_error
from portal.models import Structure, Unit
from portal.scoping import can_write, user_unit
from portal.xlsx import ImportRejected, normalise_header


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = ("Bring in a file of history (.xlsx or .csv): map its columns (a saved mapping, or the proposed one), "
            "preview it, and save it in one transaction unless --dry-run. Every error is printed by row and column.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx or .csv file")
        how = parser.add_mutually_exclusive_group(required=True)
        how.add_argument("--mapping", metavar="NAME", help="a saved mapping (by its name)")
        how.add_argument("--auto", action="store_true",
                         help="the proposed mapping; the file is refused, its columns listed, when a required field "
                              "is unmapped or an address is ambiguous")
        parser.add_argument("--structure", choices=Structure.values,
                            help="the structure of the rows' units (default: the one in force on each row's date)")
        parser.add_argument("--dry-run", action="store_true", help="preview only: print the counts, save nothing")
        parser.add_argument("--user", help="import as this user, within their scope (default: an administrator)")
        parser.add_argument("--unit", metavar="CODE", help="whose history (default: the user's unit)")
        parser.add_argument("--sheet", type=int, default=1, help="the sheet of a workbook (default: the first)")
        parser.add_argument("--accept-duplicates", action="store_true",
                            help="import likely duplicates anyway (same name, date of birth and unit)")

    def handle(self, *args, **options) -> None:
        user = command_user(options["user"])
        if not can_write(user):
            raise CommandError(f"The user {user.username} may not change data.")
        unit = self._unit(user, options["unit"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if file_format(path.name) is None:
            raise CommandError(f"Only .xlsx and .csv files are accepted: {path}")
        if path.stat().st_size > settings.UPLOAD_MAX_BYTES:
            raise CommandError(f"The file is too large (at most {settings.UPLOAD_MAX_BYTES} bytes): {path}")
        data = path.read_bytes()
        try:
            if options["dry_run"]:
                try:
                    with transaction.atomic():
                        self._run(user, unit, data, path.name, options, commit=False)
                        raise _DryRun
                except _DryRun:
                    pass
                self.stdout.write("Dry run: nothing was saved.")
            else:
                self._run(user, unit, data, path.name, options, commit=True)
        except ImportRejected as exc:
            raise rejection_as_command_error(exc) from None

    def _unit(self, user, code: str | None) -> Unit:
        if code:
            units = list(Unit.objects.filter(code=code.strip()))
            if not units:
                raise CommandError(f"Unknown unit code {code}.")
            mine = user_unit(user)
            if len(units) > 1 and mine is not None:
                units = [u for u in units if u.structure == mine.structure] or units
            return units[0]
        unit = user_unit(user)
        if unit is None:
            raise CommandError("An administrator names the unit whose history this is: --unit CODE.")
        return unit

    def _run(self, user, unit: Unit, data: bytes, name: str, options: dict, *, commit: bool) -> None:
        batch = services.batch_create(user=user, unit=unit, data=data, file_name=name,
                                      structure=options["structure"] or "", sheet=max(0, options["sheet"] - 1),
                                      accept_duplicates=options["accept_duplicates"])
        labels = batch.header.get("labels", [])
        kind, mapping = batch.kind, list(batch.mapping)
        if options["mapping"]:
            saved = ColumnMapping.objects.visible_to(user).filter(name=options["mapping"]).order_by("-updated_at").first()
            if saved is None:
                raise CommandError(f"No saved mapping named {options['mapping']!r} that you may use.")
            kind = saved.kind
            mapping = [saved.columns.get(normalise_header(label), "") if label else "" for label in labels]
        problems = mapping_problems(kind, mapping, labels) if options["mapping"] else required_problems(
            kind, {key for key in mapping if key})
        if problems:
            raise CommandError("\n".join([*problems, *self._columns(labels, mapping),
                                          "The file was refused and nothing was saved."]))
        try:
            services.batch_map(user=user, batch=batch, kind=kind, mapping=mapping)
        except ValidationError as exc:
            raise CommandError("\n".join([*exc.messages, *self._columns(labels, mapping)])) from None
        batch = services.batch_preview(batch=batch, user=user)
        preview = batch.preview
        counts = preview.get("counts", {})
        self.stdout.write(_counts_line("Preview", counts, kind))
        for warning in preview.get("warnings", []):
            self.stdout.write(f"Warning: {warning}")
        self._refuse_if_blocked(batch, preview, labels, mapping)
        if not commit:
            return
        services.batch_confirm(user=user, batch=batch)
        batch = services.batch_commit(batch_id=batch.pk, user=user)
        if batch.status != BatchStatus.COMMITTED:
            self._refuse_if_blocked(batch, batch.preview, labels, mapping)
            raise CommandError("The file could not be saved.")
        self.stdout.write(_counts_line(f"Imported (batch #{batch.pk})", batch.result, kind))

    def _refuse_if_blocked(self, batch: ImportBatch, preview: dict, labels: list[str], mapping: list[str]) -> None:
        if not preview.get("blocked"):
            return
        lines = []
        for question in preview.get("dates", []):
            lines.append(f"column “{question['label']}”: dates in month/day order on rows "
                         f"{', '.join(str(r) for r in question['rows'])} ({', '.join(question['values'])}): the "
                         f"portal reads day/month/year; correct the file.")
        for question in preview.get("addresses", []):
            if question["status"] == "ambiguous":
                options = "; ".join(label for _pk, label in question["candidates"][:5])
                lines.append(f"rows {', '.join(str(r) for r in question['rows'])}: the address “{question['text']}” "
                             f"is ambiguous ({options}): write the district, or choose on the screen.")
        for error in preview.get("errors", []):
            where = ", ".join(part for part in (f"row {error['row']}" if error["row"] else "",
                                                f"column “{error['column']}”" if error["column"] else "") if part)
            lines.append(f"{where}: {error['message']}" if where else error["message"])
        if preview.get("dates") or any(q["status"] == "ambiguous" for q in preview.get("addresses", [])):
            lines.extend(self._columns(labels, mapping))
        shown = preview.get("counts", {}).get("errors", 0)
        lines.append(f"{shown} error(s): the file was refused and nothing was saved.")
        services.batch_cancel(user=batch.created_by, batch=batch)
        raise CommandError("\n".join(lines))

    @staticmethod
    def _columns(labels: list[str], mapping: list[str]) -> list[str]:
        lines = ["Columns of the sheet:"]
        for index, label in enumerate(labels):
            key = mapping[index] if index < len(mapping) else ""
            lines.append(f"  {index + 1}. {label or '(no header)'} → {field_label(key) if key else '(not imported)'}")
        return lines


def _counts_line(prefix: str, counts: dict, kind: str) -> str:
    if kind == SheetKind.TOTALS:
        return (f"{prefix}: history figures {counts.get('history_figures', 0)}, "
                f"errors {counts.get('errors', 0)}, rows {counts.get('rows', 0)}, skipped {counts.get('skipped', 0)}")
    return (f"{prefix}: new workers {counts.get('new_workers', 0)}, updated {counts.get('updated_workers', 0)}, "
            f"departures {counts.get('departures', 0)}, returns {counts.get('returns', 0)}, "
            f"history figures {counts.get('history_figures', 0)}, errors {counts.get('errors', 0)}")
