"""The events sheet: read, check every row, then save all rows or none.

Natural key: unit + date + type + name. A row whose key exists already
updates that activity's figures, so importing the same file twice changes
nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from outreach import services
from outreach.models import Activity, Campaign, Channel, Kind
from portal import bounds
from portal.audit import acting_as
from portal.formats import parse_date, parse_int
from portal.tree import is_within
from portal.unit_codes import UnitCodeError, UnitResolver
from portal.xlsx import (
    Column,
    ErrorList,
    ImportRejected,
    RowError,
    cell_text,
    length_problem,
    normalise_header,
    read_sheet,
)

COLUMNS = [
    Column("unit_code", "Mã đơn vị", aliases=("unit", "unit code")),
    Column("date", "Ngày", aliases=("date",)),
    Column("kind", "Loại hoạt động", aliases=("type", "kind")),
    Column("name", "Tên", aliases=("name",)),
    Column("enterprises", "Số doanh nghiệp", aliases=("enterprises",), required=False),
    Column("attendees", "Số người tham dự", aliases=("attendees",), required=False),
    Column("counselled", "Số người được tư vấn", aliases=("counselled",), required=False),
    Column("cost", "Chi phí", aliases=("cost",), required=False),
    Column("channel", "Kênh", aliases=("channel",), required=False),
]
LABEL = {c.key: c.label for c in COLUMNS}
NUMBERS = ("enterprises", "attendees", "counselled", "cost")

# What people write in the "Loại hoạt động" column (compared without accents, case or spaces).
KIND_NAMES = {
    Kind.JOB_FAIR: ("Phiên giao dịch việc làm", "Sàn giao dịch việc làm", "Ngày hội việc làm", "job_fair", "job fair"),
    Kind.CONFERENCE: ("Hội nghị", "Hội thảo", "conference"),
    Kind.COUNSELLING: ("Tư vấn", "Buổi tư vấn", "Tư vấn trực tiếp", "counselling", "counseling"),
    Kind.MEDIA: ("Truyền thông", "media"),
}
_KINDS = {normalise_header(name): kind for kind, names in KIND_NAMES.items() for name in names}
CHANNEL_NAMES = {
    Channel.NEWSPAPER: ("Báo", "Báo chí", "Báo in", "Báo điện tử", "newspaper"),
    Channel.RADIO: ("Phát thanh", "Đài phát thanh", "radio"),
    Channel.TV: ("Truyền hình", "Đài truyền hình", "tv", "television"),
    Channel.PORTAL: ("Cổng thông tin", "Cổng thông tin điện tử", "Cổng thông tin điện tử tỉnh", "portal"),
    Channel.FACEBOOK: ("Facebook",),
    Channel.ZALO: ("Zalo",),
    Channel.BULLETIN: ("Bản tin", "bulletin"),
}
_CHANNELS = {normalise_header(name): channel for channel, names in CHANNEL_NAMES.items() for name in names}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def import_events(fileobj: IO[bytes] | bytes, *, user, campaign: Campaign | None = None,
                  structure: str | None = None) -> ImportResult:
    """Check the whole sheet, then record every row in one transaction; ``ImportRejected`` lists every error.

    ``structure`` (legacy or 2025) reads every unit code in that structure; without it, a code found in
    both loaded structures is read in the one in force on the event's date.
    """
    sheet = read_sheet(fileobj, COLUMNS)
    errors = ErrorList()
    resolver = UnitResolver({cell_text(v.get("unit_code")) for _r, v in sheet.rows}, user=user, structure=structure)
    if not sheet.rows:
        errors.add(0, "", _("The sheet has no data rows."))
    parsed: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for row, values in sheet.rows:
        item: dict[str, Any] = {}
        ok = True
        try:
            item["date"] = parse_date(values.get("date"))
        except (ValueError, TypeError):
            errors.add(row, LABEL["date"], _("Enter the date as dd/mm/yyyy, e.g. 01/03/2021."))
            ok = False
        else:
            if (problem := bounds.date_problem(item["date"], earliest=bounds.PERIOD_MIN)) is not None:
                errors.add(row, LABEL["date"], problem)
                ok = False
        try:
            item["unit"] = resolver.resolve(values.get("unit_code"), on_date=item.get("date"))
        except UnitCodeError as exc:
            errors.add(row, LABEL["unit_code"], str(exc))
            ok = False
        kind = _KINDS.get(normalise_header(cell_text(values.get("kind"))))
        if kind is None:
            errors.add(row, LABEL["kind"], _("Unknown type of activity “%(value)s”: write Phiên giao dịch việc làm, "
                                             "Hội nghị, Tư vấn or Truyền thông.") % {"value": cell_text(values.get("kind"))})
            ok = False
        item["kind"] = kind
        item["channel"] = ""
        if kind == Kind.MEDIA:
            item["channel"] = _CHANNELS.get(normalise_header(cell_text(values.get("channel"))), "")
            if not item["channel"]:
                errors.add(row, LABEL["channel"], _("A media item needs its channel: Báo, Phát thanh, Truyền hình, "
                                                    "Cổng thông tin, Facebook, Zalo or Bản tin."))
                ok = False
        item["name"] = cell_text(values.get("name"))
        if not item["name"]:
            errors.add(row, LABEL["name"], _("Enter the name."))
            ok = False
        elif too_long := length_problem(item["name"], Activity._meta.get_field("name").max_length):
            errors.add(row, LABEL["name"], too_long)
            ok = False
        for key in NUMBERS:
            raw = values.get(key)
            if raw is None:
                item[key] = 0
                continue
            try:
                number = parse_int(raw)
            except (ValueError, TypeError):
                errors.add(row, LABEL[key], _("Enter a whole number, e.g. 1.274."))
                ok = False
                continue
            if number < 0:
                errors.add(row, LABEL[key], _("The number cannot be negative."))
                ok = False
            elif (problem := bounds.int_problem(number, bounds.AMOUNT if key == "cost" else bounds.PEOPLE)):
                errors.add(row, LABEL[key], problem)
                ok = False
            item[key] = number
        if not ok:
            continue
        if kind == Kind.MEDIA:  # for a media item the people column is its reach
            item["reach"], item["attendees"] = item["attendees"], 0
        key = (item["unit"].pk, item["date"], item["kind"], item["name"].casefold())
        if key in seen:
            errors.add(row, "", _("The same activity (unit, date, type, name) is already on row %(row)s.")
                       % {"row": seen[key]})
            continue
        seen[key] = row
        if campaign is not None:
            if not is_within(item["unit"].path, campaign.unit.path):
                errors.add(row, LABEL["unit_code"], _("The unit does not belong to the campaign's unit."))
                continue
            if not campaign.date_from <= item["date"] <= campaign.date_to:
                errors.add(row, LABEL["date"], _("The date is outside the campaign's period."))
                continue
        parsed.append((row, item))
    errors.raise_if_any()

    result = ImportResult()
    existing = {
        (a.unit_id, a.date, a.kind, a.name.casefold()): a
        for a in Activity.objects.filter(unit__in={i["unit"].pk for _r, i in parsed},
                                         date__in={i["date"] for _r, i in parsed}).select_related("campaign", "unit")
    }
    with acting_as(user), transaction.atomic():
        for row, item in parsed:
            current = existing.get((item["unit"].pk, item["date"], item["kind"], item["name"].casefold()))
            figures = {k: item[k] for k in NUMBERS}
            if item["kind"] == Kind.MEDIA:
                figures["reach"] = item["reach"]
            if current is not None and all(getattr(current, k) == v for k, v in figures.items()) and (
                    campaign is None or current.campaign_id == campaign.pk):
                result.unchanged += 1
                continue
            kwargs = {"user": user, "unit": item["unit"], "kind": item["kind"], "date": item["date"],
                      "name": current.name if current else item["name"],
                      "campaign": campaign if campaign is not None else (current.campaign if current else None),
                      "channel": item["channel"], **figures}
            if current is not None:
                kwargs |= {"place": current.place, "link": current.link, "registrations": current.registrations}
                kwargs.setdefault("reach", current.reach)
            try:
                services.activity_record(activity=current, **kwargs)
            except ValidationError as exc:
                # A rule of the service that the checks above did not foresee: reject the whole file.
                transaction.set_rollback(True)
                messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                raise ImportRejected([RowError(row, LABEL.get(field, ""), msg)
                                      for field, msgs in messages.items() for msg in msgs]) from None
            if current is None:
                result.created += 1
            else:
                result.updated += 1
    return result
