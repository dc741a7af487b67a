"""The monthly chase's grid cells written in Python: a province's grid is units × months (hundreds of cells), and the
template include per cell (a URL reversed, two filters and three translations each) was most of the page's time."""
from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from portal import formats

register = template.Library()

_SENTINEL_YEAR, _SENTINEL_MONTH = 1900, 1


@register.simple_tag
def chase_cells(cells) -> str:
    """``<td>`` of every cell of a row (``targets.chase.MonthCell``), as ``targets/_chase_cell.html`` wrote them: the
    link to the unit's month, the status's mark and label, the deadline in the title."""
    if not cells:
        return ""
    deadline_word, draft_saved, draft = gettext("Deadline"), gettext("draft saved"), gettext("draft")
    prefixes: dict[int, str] = {}  # one reverse per unit: the year and month are the URL's last two parts

    def link(cell) -> str:
        unit_id = cell.unit.pk
        if unit_id not in prefixes:
            sample = reverse("targets:figures", args=[unit_id, _SENTINEL_YEAR, _SENTINEL_MONTH])
            prefixes[unit_id] = sample[: -len(f"{_SENTINEL_YEAR}/{_SENTINEL_MONTH}/")]
        return f"{prefixes[unit_id]}{cell.month.year}/{cell.month.month}/"

    def parts(cell):
        late_draft = cell.has_draft and cell.status == "overdue"
        label = cell.label
        title = (f"{cell.unit.name} {formats.format_month(cell.month)}: {label} · {deadline_word} "
                 f"{formats.format_date(cell.deadline)}" + (f" ({draft_saved})" if late_draft else ""))
        after = format_html(' <span class="small">({})</span>', draft) if late_draft else ""
        return cell.status, cell.status, link(cell), title, cell.mark, label, after

    return format_html_join(
        "", '<td class="chase-cell chase-{}" data-status="{}"><a href="{}" title="{}"><span class="chase-mark" '
            'aria-hidden="true">{}</span> {}{}</a></td>', (parts(cell) for cell in cells))
