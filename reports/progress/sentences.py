"""The review sentence, from the numbers, in Vietnamese formats (the report goes upward in Vietnamese)."""
from __future__ import annotations

from portal import formats
from reports.progress.period import Period
from reports.progress.rows import LEVEL_WHOLE_VI, MARKET_NAMES_VI, MARKETS, OTHER_MARKET, ProgressReport


def review_sentence(report: ProgressReport, period: Period | None = None) -> str:
    """The sentence the province writes in its review, from the numbers, in Vietnamese formats."""
    period = period or report.period
    total = report.total
    # The whole country (an unsaved root, ``portal.models.national_unit``) has no id.
    where = "toàn quốc" if report.unit_id is None else LEVEL_WHOLE_VI.get(total.level, "toàn đơn vị")
    if total.departed:
        text = f"{period.sentence_intro}, {where} đã đưa {formats.format_int(total.departed)} lao động đi làm việc ở nước ngoài"
        if total.markets is not None:
            parts = [f"{MARKET_NAMES_VI[code]} {formats.format_int(total.markets[code])}"
                     for code in (*MARKETS, OTHER_MARKET) if total.markets.get(code)]
            text += f" ({', '.join(parts)})"
    else:
        text = f"{period.sentence_intro}, {where} chưa đưa được lao động nào đi làm việc ở nước ngoài"
    if total.target and total.departed:
        text += (f", đạt {formats.format_percent(total.percent)} {period.plan_words} "
                 f"({formats.format_int(total.target)} lao động)")
    elif total.target:
        text += f" ({period.plan_words}: {formats.format_int(total.target)} lao động)"
    else:
        text += f"; chưa có chỉ tiêu {period.plan_words}"
    at_enterprises = report.waiting_at_enterprises
    if total.waiting and at_enterprises >= total.waiting:  # seed 004: "… đang học định hướng tại các công ty phái cử"
        text += (f"; còn {formats.format_int(total.waiting)} lao động đang học định hướng tại các công ty phái cử, "
                 f"chờ xuất cảnh.")
    elif total.waiting and at_enterprises:
        text += (f"; còn {formats.format_int(total.waiting)} lao động đang học định hướng, chờ xuất cảnh, trong đó "
                 f"{formats.format_int(at_enterprises)} lao động tại các công ty phái cử.")
    elif total.waiting:
        text += f"; còn {formats.format_int(total.waiting)} lao động đang học định hướng, chờ xuất cảnh."
    else:
        text += "; hiện không có lao động nào đang học định hướng, chờ xuất cảnh."
    return text
