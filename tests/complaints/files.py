"""Real files of each type, made in memory: a PDF, a PNG and a JPEG that open, and the wrong things."""
from __future__ import annotations

import io
import zipfile

from PIL import Image

from complaints.demo import demo_pdf


def pdf_bytes(text: str = "Bien nhan") -> bytes:
    return demo_pdf(text)


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("don-khieu-nai.pdf", pdf_bytes())
    return out.getvalue()


def docx_bytes() -> bytes:
    """A Word document (a zip with the parts Word writes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                                'package/2006/content-types"/>')
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()
