"""What the review document says, computed from the data: every figure of the body, in Vietnamese formats.

The named fields (``FIELDS``) are what a province's own template may use; the README lists them. A section
whose data the portal does not hold says so (``outreach.sentences`` is a sentence that nothing was recorded)
instead of inventing text; the parts the department writes itself are marked "…".
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone

from complaints.selectors import case_summary
from outreach.selectors import activity_totals
from portal import formats, tree
from portal.models import Level, Structure, Unit
from portal.tree import UnitTree
from reports.aftercare.overstay import AT_RISK, overstay_warnings
from reports.progress import REGISTRY, Period, ProgressReport, progress_rows, review_sentence
from reports.progress.rows import MARKET_NAMES_VI, MARKETS, OTHER_MARKET
from support.selectors import support_summary
from targets.selectors import missing_approved_months
from workers.models import Absconding, Departure
from workers.overstay import overstaying_on, returned_by, settings_for

# Units whose departures are below this share of what the period's pro rata expects are named as behind.
BEHIND_SHARE = 0.8
NAMED_AT_MOST = 10
# Labour functions moved from the Departments of Labour, Invalids and Social Affairs to Home Affairs on 01/03/2025.
HOME_AFFAIRS_FROM = dt.date(2025, 3, 1)

FIELDS = {
    "superior_body": "cơ quan chủ quản (dòng trên, góc trái)",
    "issuing_body": "cơ quan ban hành (góc trái)",
    "number": "số, ký hiệu văn bản",
    "place": "địa danh",
    "day": "ngày", "month": "tháng", "year": "năm",
    "title": "tên loại văn bản (BÁO CÁO)",
    "subtitle": "trích yếu",
    "results": "I. các câu kết quả (danh sách)",
    "unit_label": "tiêu đề cột đơn vị của bảng",
    "rows": "bảng theo đơn vị: stt, name, target, departed, percent, previous_year",
    "total": "dòng tổng cộng của bảng",
    "outreach": "II. các câu tuyên truyền, tư vấn (danh sách)",
    "support": "III. các câu hỗ trợ và vay vốn (danh sách)",
    "limitations": "IV. tồn tại, hạn chế rút ra từ số liệu: đơn vị chậm tiến độ, tháng chưa có số liệu, lao động bỏ "
                   "trốn và quá hạn, nguy cơ tạm dừng EPS, khiếu nại (danh sách)",
    "tasks": "V. nhiệm vụ kỳ tới (dòng để điền)",
    "recipients": "nơi nhận (danh sách)",
    "signer_title": "chức danh người ký",
    "signer_name": "họ tên người ký",
    "period_label": "tên kỳ báo cáo",
    "unit_name": "tên đơn vị",
}


@dataclass
class ReviewData:
    context: dict[str, Any]
    report: ProgressReport


def _count_change(now: int, before: int) -> str:
    if before == 0:
        return "năm trước cùng kỳ chưa có lao động xuất cảnh" if now else "bằng cùng kỳ năm trước (chưa có lao động)"
    difference = now - before
    if difference == 0:
        return f"bằng cùng kỳ năm trước ({formats.format_int(before)} lao động)"
    word = "tăng" if difference > 0 else "giảm"
    return (f"{word} {formats.format_int(abs(difference))} lao động ({formats.format_percent(abs(difference) / before)}) "
            f"so với cùng kỳ năm trước ({formats.format_int(before)} lao động)")


def _bodies(unit: Unit, on: dt.date) -> tuple[str, str, str]:
    """Superior body, issuing body and the number's symbol, by the unit's level (editable in the template)."""
    province = Unit.objects.filter(path=tree.province_path(unit.path)).first() or unit
    province_name = province.name.upper()
    home_affairs = on >= HOME_AFFAIRS_FROM
    if unit.level == Level.PROVINCE:
        body = "SỞ NỘI VỤ" if home_affairs else "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
        return f"UBND {province_name}", body, "BC-SNV" if home_affairs else "BC-SLĐTBXH"
    if unit.level == Level.DISTRICT:
        body = "PHÒNG NỘI VỤ" if home_affairs else "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
        return f"UBND {unit.name.upper()}", body, "BC-PNV" if home_affairs else "BC-PLĐTBXH"
    return f"UBND {province_name}", f"UBND {unit.name.upper()}", "BC-UBND"


def _subtitle(period: Period) -> str:
    work = "công tác đưa người lao động đi làm việc ở nước ngoài theo hợp đồng"
    year = period.start.year
    if period.kind == "h1":
        return f"Sơ kết {work} 6 tháng đầu năm {year}"
    if period.kind == "9m":
        return f"Kết quả {work} 9 tháng đầu năm {year}"
    if period.kind == "year":
        return f"Tổng kết {work} năm {year}"
    if period.kind.startswith("q"):
        return f"Kết quả {work} quý {period.kind[1]} năm {year}"
    if period.kind.startswith("m"):
        return f"Kết quả {work} tháng {period.start.month:02d}/{year}"
    if period.kind == "years":
        return f"Kết quả {work} giai đoạn {period.start.year}–{period.end.year}"
    return f"Kết quả {work} từ ngày {formats.format_date(period.start)} đến ngày {formats.format_date(period.end)}"


def _results(report: ProgressReport, period: Period) -> list[str]:
    total = report.total
    lines = [review_sentence(report, period)]
    if total.stretch_target:
        lines.append(f"So với chỉ tiêu phấn đấu ({formats.format_int(total.stretch_target)} lao động), "
                     f"đạt {formats.format_percent(total.stretch_share)}.")
    if total.target and total.expected:
        gap = total.gap
        state = ("đúng tiến độ" if gap == 0 else
                 f"vượt {formats.format_int(gap)} lao động so với tiến độ" if gap > 0 else
                 f"chậm {formats.format_int(-gap)} lao động so với tiến độ")
        lines.append(f"Theo tiến độ kế hoạch, đến ngày {formats.format_date(report.as_of)} cần đạt "
                     f"{formats.format_int(total.expected)} lao động; thực hiện {formats.format_int(total.departed)}, "
                     f"{state}.")
    if total.departed:
        lines.append(
            f"Trong số lao động xuất cảnh có {formats.format_int(total.female)} lao động nữ "
            f"({formats.format_percent(total.female / total.departed)}), {formats.format_int(total.poor)} lao động "
            f"thuộc hộ nghèo, hộ cận nghèo và {formats.format_int(total.ethnic_minority)} lao động là người dân tộc "
            f"thiểu số; {formats.format_percent(total.cert_share)} có chứng chỉ bồi dưỡng kiến thức cần thiết.")
        if total.markets is not None:
            parts = [f"{MARKET_NAMES_VI[code]} {formats.format_int(total.markets[code])} lao động"
                     for code in (*MARKETS, OTHER_MARKET) if total.markets.get(code)]
            lines.append(f"Theo thị trường: {'; '.join(parts)}.")
    lines.append(f"Số lao động xuất cảnh {_count_change(total.departed, total.previous_year)}.")
    goals = _goals(report)
    if goals:
        lines.append(goals)
    waiting = _waiting_by_enterprise(report)
    if waiting:
        lines.append(waiting)
    return lines


def _goals(report: ProgressReport) -> str:
    """The plan's coverage goals, each against what the period measured."""
    parts = []
    for goal in report.goal_lines:
        label = goal["label"][0].lower() + goal["label"][1:]
        if goal["measured"] is None:
            parts.append(f"{label}: chỉ tiêu {formats.format_percent(goal['target'])}"
                         + (" (chưa đo được)" if goal["kind"] != "other" else ""))
        else:
            verdict = "đạt" if goal["met"] else "chưa đạt"
            parts.append(f"{label}: {formats.format_percent(goal['measured'])} so với chỉ tiêu "
                         f"{formats.format_percent(goal['target'])} ({verdict})")
    return f"Thực hiện các mục tiêu của kế hoạch: {'; '.join(parts)}." if parts else ""


def _waiting_by_enterprise(report: ProgressReport) -> str:
    lines = report.waiting_by_enterprise or []
    known = [line for line in lines if line["enterprise_id"] is not None]
    if not known:
        return ""
    parts = [f"{line['enterprise']} {formats.format_int(line['total'])}" for line in known]
    unknown = sum(line["total"] for line in lines if line["enterprise_id"] is None)
    text = f"Lao động đang đào tạo, chờ xuất cảnh theo doanh nghiệp: {_some(parts)}"
    if unknown:
        text += f"; {formats.format_int(unknown)} lao động chưa xác định doanh nghiệp"
    return text + "."


def _outreach(totals: dict[str, int]) -> list[str]:
    if not any(totals.values()):
        return ["Trong kỳ, cổng thông tin chưa ghi nhận hoạt động tuyên truyền, tư vấn nào của đơn vị; "
                "đề nghị đơn vị bổ sung nếu có."]
    lines = []
    if totals["job_fairs"]:
        lines.append(f"Tổ chức {formats.format_int(totals['job_fairs'])} phiên giao dịch việc làm với "
                     f"{formats.format_int(totals['job_fair_enterprises'])} lượt doanh nghiệp và "
                     f"{formats.format_int(totals['job_fair_attendees'])} lượt người lao động, học sinh tham dự.")
    if totals["conferences"]:
        lines.append(f"Tổ chức {formats.format_int(totals['conferences'])} hội nghị tuyên truyền.")
    if totals["counselling_sessions"] or totals["counselled"]:
        lines.append(f"Tổ chức {formats.format_int(totals['counselling_sessions'])} buổi tư vấn; tổng số "
                     f"{formats.format_int(totals['counselled'])} lượt người được tư vấn.")
    if totals["media_items"]:
        lines.append(f"Đăng tải {formats.format_int(totals['media_items'])} tin, bài trên các phương tiện thông tin "
                     f"đại chúng và mạng xã hội, với khoảng {formats.format_int(totals['media_reach'])} lượt tiếp cận.")
    return lines


def _support(summary) -> list[str]:
    total = summary.total
    if not total.workers_supported and not total.loans:
        return ["Trong kỳ, cổng thông tin chưa ghi nhận khoản hỗ trợ hay khoản vay nào cho lao động của đơn vị."]
    lines = []
    if total.workers_supported:
        items = [f"{label.lower()} {formats.format_money_short(amount)}" for _kind, label, amount in summary.items_paid
                 if amount]
        lines.append(f"Hỗ trợ {formats.format_int(total.workers_supported)} lao động với tổng số tiền "
                     f"{formats.format_money_short(total.paid)} ({'; '.join(items)}).")
    if total.loans:
        lines.append(f"{formats.format_int(total.loan_workers)} lao động được vay vốn Ngân hàng Chính sách xã hội "
                     f"với tổng số tiền {formats.format_money_short(total.loan_amount)}.")
    return lines


def _some(parts: list[str], limit: int = NAMED_AT_MOST) -> str:
    """The first ``limit`` parts, then how many more (a review names a few, it does not list 65 communes)."""
    shown = "; ".join(parts[:limit])
    return shown if len(parts) <= limit else f"{shown} và {formats.format_int(len(parts) - limit)} đơn vị khác"


def _abroad(unit: Unit, period: Period, until: dt.date) -> tuple[int, int]:
    """Abscondings learned in the period, and workers overstaying at its end (contract ended, no return, past the
    province's grace period), counted like the progress report (``UnitTree``)."""
    units = UnitTree(unit)
    grace = settings_for(unit).grace_days
    learned = sum(n for unit_id, n in Absconding.objects.filter(
        units.q("departure__unit"), learned_on__range=(period.start, until)).order_by()
        .values_list("departure__unit_id").annotate(n=Count("id")) if units.knows(unit_id))
    overstaying = sum(n for unit_id, n in Departure.objects.filter(
        units.q("unit"), overstaying_on(until, grace), date__lte=until).exclude(returned_by(until)).order_by()
        .values_list("unit_id").annotate(n=Count("id")) if units.knows(unit_id))
    return learned, overstaying


def _limitations(report: ProgressReport, missing: dict[str, list[dt.date]], *, abroad: tuple[int, int],
                 at_risk: list[str], complaints) -> list[str]:
    lines = []
    behind = sorted((row for row in report.rows if row.expected and row.departed < BEHIND_SHARE * row.expected),
                    key=lambda row: row.departed / row.expected)
    if behind:
        names = [f"{row.name} ({formats.format_int(row.departed)}/{formats.format_int(row.expected)} lao động theo "
                 f"tiến độ)" for row in behind]
        lines.append(f"{formats.format_int(len(behind))} đơn vị đạt thấp so với tiến độ kế hoạch: {_some(names)}.")
    if missing:
        months = sum(len(items) for items in missing.values())
        names = [f"{name} ({', '.join(formats.format_month(month) for month in items)})" if len(items) <= 3
                 else f"{name} ({formats.format_int(len(items))} tháng)" for name, items in missing.items()]
        lines.append(f"{formats.format_int(len(missing))} đơn vị còn {formats.format_int(months)} tháng chưa có số "
                     f"liệu báo cáo tháng được duyệt: {_some(names)}.")
    learned, overstaying = abroad
    if learned or overstaying:
        lines.append(f"Trong kỳ ghi nhận {formats.format_int(learned)} lao động bỏ trốn khỏi nơi làm việc; đến ngày "
                     f"{formats.format_date(report.as_of)} có {formats.format_int(overstaying)} lao động đã hết hạn hợp "
                     f"đồng nhưng chưa về nước (quá thời gian gia hạn).")
    if at_risk:
        lines.append(f"Đơn vị có nguy cơ bị tạm dừng tuyển chọn theo chương trình EPS: {_some(at_risk)}.")
    if complaints.received or complaints.open_at_end:
        lines.append(f"Tiếp nhận {formats.format_int(complaints.received)} đơn khiếu nại, tố cáo; đến cuối kỳ còn "
                     f"{formats.format_int(complaints.open_at_end)} vụ việc đang giải quyết, trong đó "
                     f"{formats.format_int(complaints.overdue_at_end)} vụ việc quá hạn.")
    lines.append("… (đơn vị bổ sung các tồn tại, hạn chế khác và nguyên nhân)")
    return lines


def review_context(*, unit: Unit, period: Period, user=None, today: dt.date | None = None) -> ReviewData:
    """Every named field of the document for ``unit`` and ``period`` (the caller checked the scope)."""
    today = today or timezone.localdate()
    report = progress_rows(unit=unit, period=period, source=REGISTRY, today=today)
    report.sentence = review_sentence(report, period)
    until = report.as_of
    superior, issuing, symbol = _bodies(unit, today)
    province = Unit.objects.filter(path=tree.province_path(unit.path)).first() or unit
    months = [month for month in period.months if month <= until]
    missing = missing_approved_months(parent=unit, months=months, deadline_passed_by=today)
    unit_label = {Level.PROVINCE: "Huyện, thị xã, thành phố" if unit.structure == Structure.LEGACY else "Xã, phường",
                  Level.DISTRICT: "Xã, phường, thị trấn"}.get(unit.level, "Đơn vị")
    rows = [{"stt": index, "name": row.name, "target": formats.format_int(row.target),
             "departed": formats.format_int(row.departed), "percent": formats.format_percent(row.percent),
             "previous_year": formats.format_int(row.previous_year)}
            for index, row in enumerate(report.rows, start=1)]
    total = report.total
    context = {
        "superior_body": superior,
        "issuing_body": issuing,
        "number": f"Số:        /{symbol}",
        "place": province.short_name or province.name.replace("Tỉnh ", "").replace("Thành phố ", ""),
        "day": f"{today.day:02d}", "month": f"{today.month:02d}", "year": str(today.year),
        "title": "BÁO CÁO",
        "subtitle": _subtitle(period),
        "period_label": period.label,
        "unit_name": unit.name,
        "results": _results(report, period),
        "unit_label": unit_label,
        "rows": rows,
        "total": {"name": "Tổng cộng", "target": formats.format_int(total.target),
                  "departed": formats.format_int(total.departed), "percent": formats.format_percent(total.percent),
                  "previous_year": formats.format_int(total.previous_year)},
        "outreach": _outreach(activity_totals(unit=unit, date_from=period.start, date_to=until)),
        "support": _support(support_summary(unit=unit, date_from=period.start, date_to=until)),
        "limitations": _limitations(
            report, missing, abroad=_abroad(unit, period, until),
            at_risk=[f"{row.name} ({report_.programme.code})" for report_ in overstay_warnings(unit, today=today)
                     for row in report_.rows if row.risk == AT_RISK],
            complaints=case_summary(unit=unit, date_from=period.start, date_to=until, today=today).total),
        "tasks": ["1. …", "2. …", "3. …"],
        "recipients": ["Như trên;", "…;", "Lưu: VT."],
        "signer_title": "GIÁM ĐỐC" if unit.level == Level.PROVINCE else "TRƯỞNG PHÒNG"
        if unit.level == Level.DISTRICT else "CHỦ TỊCH",
        "signer_name": "",
    }
    return ReviewData(context=context, report=report)
