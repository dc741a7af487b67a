"""The review document (.docx) in the state's format for administrative documents (Decree 30/2020/NĐ-CP).

The layout is a docxtpl template: a Word file whose text holds named fields (``{{ subtitle }}``) and loops over
the body's sentences (``{%p for line in results %}``). :func:`default_template` builds the portal's own with
python-docx — A4, margins 20/20/30/15 mm, Times New Roman 14 pt (13 pt in the heading block, 12 pt in the
table), the issuing body and number at top left, the national title and motto at top right, place and date, the
title, the body, "Nơi nhận" and the signature block. A province may download it, change the fixed wording in
Word and upload it back (``reports.models.ReviewTemplate``): :func:`render_review` renders whichever applies and
names the field when a template does not render.
"""
from __future__ import annotations

import functools
import io
from typing import Any

import jinja2
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docxtpl import DocxTemplate

FONT = "Times New Roman"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ReviewTemplateError(ValueError):
    """A template that does not render; the message names the field or the tag."""


def _font(run, *, size: float, bold: bool = False, italic: bool = False, underline: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.underline = underline
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _paragraph(container, text: str = "", *, size: float = 14, bold: bool = False, italic: bool = False,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False, before: float = 0, after: float = 3):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.line_spacing = 1.15
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    if text:
        _font(paragraph.add_run(text), size=size, bold=bold, italic=italic)
    return paragraph


def _loop(container, name: str, item: str, *, prefix: str = "", size: float = 14, italic: bool = False) -> None:
    """A paragraph repeated for each element of the list ``name`` (docxtpl's paragraph loop)."""
    _paragraph(container, f"{{%p for {item} in {name} %}}", size=size)
    _paragraph(container, f"{prefix}{{{{ {item} }}}}", size=size, italic=italic, indent=not prefix)
    _paragraph(container, "{%p endfor %}", size=size)


def _widths(table, widths) -> None:
    """Column widths that Word and LibreOffice both honour (the grid and every cell)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _no_borders(table) -> None:
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def _cell(cell, lines: list[tuple[str, dict]]) -> None:
    cell.paragraphs[0].text = ""
    first = True
    for text, style in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        paragraph.alignment = style.pop("align", WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.space_after = Pt(0)
        _font(paragraph.add_run(text), **style)


def _build() -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)

    heading = document.add_table(rows=1, cols=2)
    heading.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(heading)
    _widths(heading, [Cm(6.3), Cm(10.2)])
    left, right = heading.rows[0].cells
    _cell(left, [("{{ superior_body }}", {"size": 13}), ("{{ issuing_body }}", {"size": 13, "bold": True}),
                 ("───────", {"size": 13}), ("{{ number }}", {"size": 13})])
    _cell(right, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", {"size": 12, "bold": True}),
                  ("Độc lập - Tự do - Hạnh phúc", {"size": 13, "bold": True}),
                  ("──────────────", {"size": 13}),
                  ("{{ place }}, ngày {{ day }} tháng {{ month }} năm {{ year }}", {"size": 14, "italic": True})])

    _paragraph(document, "{{ title }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    _paragraph(document, "{{ subtitle }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(document, "─────────", align=WD_ALIGN_PARAGRAPH.CENTER, after=12)

    _paragraph(document, "I. KẾT QUẢ ĐƯA NGƯỜI LAO ĐỘNG ĐI LÀM VIỆC Ở NƯỚC NGOÀI", bold=True, indent=True)
    _loop(document, "results", "line")
    _paragraph(document, "Kết quả theo đơn vị:", italic=True, indent=True)
    headers = ["STT", "{{ unit_label }}", "Chỉ tiêu", "Đã xuất cảnh", "Tỷ lệ", "Cùng kỳ năm trước"]
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, [(text, {"size": 12, "bold": True})])
    _cell(table.rows[1].cells[0], [("{%tr for row in rows %}", {"size": 12})])
    for cell, field in zip(table.rows[2].cells, ["stt", "name", "target", "departed", "percent", "previous_year"],
                           strict=True):
        align = WD_ALIGN_PARAGRAPH.LEFT if field == "name" else WD_ALIGN_PARAGRAPH.RIGHT
        _cell(cell, [(f"{{{{ row.{field} }}}}", {"size": 12, "align": align})])
    _cell(table.rows[3].cells[0], [("{%tr endfor %}", {"size": 12})])
    total = table.add_row()
    _cell(total.cells[0], [("", {"size": 12})])
    for cell, field in zip(total.cells[1:], ["name", "target", "departed", "percent", "previous_year"], strict=True):
        align = WD_ALIGN_PARAGRAPH.LEFT if field == "name" else WD_ALIGN_PARAGRAPH.RIGHT
        _cell(cell, [(f"{{{{ total.{field} }}}}", {"size": 12, "bold": True, "align": align})])
    _widths(table, [Cm(1.2), Cm(5.9), Cm(2.2), Cm(2.4), Cm(2.2), Cm(2.6)])

    _paragraph(document, "II. CÔNG TÁC THÔNG TIN, TUYÊN TRUYỀN, TƯ VẤN", bold=True, indent=True, before=6)
    _loop(document, "outreach", "line")
    _paragraph(document, "III. HỖ TRỢ NGƯỜI LAO ĐỘNG VÀ VAY VỐN", bold=True, indent=True, before=6)
    _loop(document, "support", "line")
    _paragraph(document, "IV. TỒN TẠI, HẠN CHẾ", bold=True, indent=True, before=6)
    _loop(document, "limitations", "line")
    _paragraph(document, "V. NHIỆM VỤ, GIẢI PHÁP THỜI GIAN TỚI", bold=True, indent=True, before=6)
    _loop(document, "tasks", "line")
    _paragraph(document, "Trên đây là báo cáo kết quả {{ period_label|lower }} của {{ unit_name }}./.", indent=True)

    closing = document.add_table(rows=1, cols=2)
    _no_borders(closing)
    _widths(closing, [Cm(8), Cm(8.5)])
    recipients, signature = closing.rows[0].cells
    _cell(recipients, [("Nơi nhận:", {"size": 12, "bold": True, "italic": True, "align": WD_ALIGN_PARAGRAPH.LEFT})])
    for text in ("{%p for r in recipients %}", "- {{ r }}", "{%p endfor %}"):
        paragraph = recipients.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _font(paragraph.add_run(text), size=11)
    _cell(signature, [("{{ signer_title }}", {"size": 14, "bold": True}),
                      ("(Ký, ghi rõ họ tên và đóng dấu)", {"size": 13, "italic": True}),
                      ("", {"size": 14}), ("", {"size": 14}), ("", {"size": 14}),
                      ("{{ signer_name }}", {"size": 14, "bold": True})])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def default_template() -> bytes:
    """The portal's own template (built once per process)."""
    return _build()


def _environment() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def render_review(context: dict[str, Any], template: bytes | None = None) -> bytes:
    """The document for ``context`` from ``template`` (default: the portal's own)."""
    document = DocxTemplate(io.BytesIO(template or default_template()))
    try:
        document.render(context, jinja_env=_environment(), autoescape=True)
    except jinja2.UndefinedError as exc:
        raise ReviewTemplateError(_("The template uses a field the report does not have: %(message)s.")
                                  % {"message": exc.message}) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise ReviewTemplateError(_("The template has a tag that cannot be read: %(message)s.")
                                  % {"message": exc.message}) from exc
    except jinja2.TemplateError as exc:
        raise ReviewTemplateError(_("The template cannot be filled in: %(message)s.") % {"message": exc}) from exc
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
