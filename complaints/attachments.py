"""Checks on an attached document, by its content, not by its name.

Accepted: PDF, JPEG and PNG files up to ``settings.ATTACHMENT_MAX_BYTES``, whose name says what their
content is. The type is read from the first bytes (``filetype``); an archive (zip, rar, 7z, gzip…, Office
documents, which are zip files, and a picture with a zip glued behind it) is refused; an image must decode
whole (Pillow, with a bound on its pixels against decompression bombs); a PDF must start with its header and
end with its end-of-file marker. Every problem found is reported, and nothing is saved unless there is none.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# kind → (content type, extensions a name may carry, the extension it is stored with)
KINDS = {
    "pdf": ("application/pdf", (".pdf",), "pdf"),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), "jpg"),
    "png": ("image/png", (".png",), "png"),
}
KIND_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}
_DETECTED_KIND = {"pdf": "pdf", "jpg": "jpeg", "png": "png", "apng": "png"}
_ARCHIVES = {"zip", "tar", "rar", "gz", "bz2", "7z", "xz", "Z", "lzo", "lz", "lz4", "zst", "br", "cab", "deb", "rpm",
             "ar", "epub", "crx", "docx", "xlsx", "pptx", "odt", "ods", "odp"}
MAX_PIXELS = 60_000_000  # a 60-megapixel scan is already far more than a phone photo of a receipt


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    data: bytes
    size: int
    sha256: str
    original_name: str

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][0]

    def stored_name(self, case_id: int) -> str:
        """A name of our own (never the user's): ``complaints/<case>/<random>.<ext>``."""
        return f"complaints/{case_id}/{uuid.uuid4().hex}.{KINDS[self.kind][2]}"


def max_bytes_text() -> str:
    """The size limit as people read it: "10 MB", "2,5 MB", "512 KB"."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if limit < 1048576:
        return f"{limit // 1024} KB"
    return f"{limit / 1048576:.1f}".replace(".", ",").removesuffix(",0") + " MB"


def clean_name(name: str | None) -> str:
    """The file's own name without any folder, control characters or surrounding spaces, at most 255 characters."""
    base = PurePath(str(name or "").replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 5 else base[:255]
    return base


def _named_kind(name: str) -> str | None:
    suffix = PurePath(name.lower()).suffix
    return next((kind for kind, (_type, extensions, _ext) in KINDS.items() if suffix in extensions), None)


def check_attachment(upload) -> CheckedFile:
    """The uploaded file (a Django ``UploadedFile``, or anything with ``name``, ``size`` and ``read``) checked
    whole; ``ValidationError`` listing every problem otherwise."""
    name = clean_name(getattr(upload, "name", ""))
    limit = settings.ATTACHMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(_("The file is too large (%(size)s MB); at most %(max)s.") % {
            "size": f"{size / 1048576:.1f}".replace(".", ","), "max": max_bytes_text()}, code="too_large")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_("The file is too large; at most %(max)s.") % {"max": max_bytes_text()},
                              code="too_large")
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    problems = []
    named = _named_kind(name)
    if named is None:
        problems.append(_("Only PDF, JPEG and PNG files are accepted (the name ends in .pdf, .jpg, .jpeg or .png)."))
    guess = filetype.guess(data)
    detected = _DETECTED_KIND.get(guess.extension) if guess else None
    if (guess and guess.extension in _ARCHIVES) or (detected != "pdf" and zipfile.is_zipfile(io.BytesIO(data))):
        problems.append(_("The file is an archive or an Office document (%(type)s): attach the documents "
                          "themselves as PDF, JPEG or PNG.") % {"type": guess.extension.upper() if guess else "ZIP"})
    elif detected is None:
        problems.append(_("The content is not a PDF, JPEG or PNG file%(found)s, whatever its name says.") % {
            "found": f" ({guess.mime})" if guess else ""})
    elif named is not None and detected != named:
        problems.append(_("The name says %(named)s but the content is %(found)s: rename the file or attach the "
                          "right one.") % {"named": KIND_LABELS[named], "found": KIND_LABELS[detected]})
    else:
        problem = _pdf_problem(data) if detected == "pdf" else _image_problem(data, detected)
        if problem:
            problems.append(problem)
    if problems:
        raise ValidationError(problems, code="invalid")
    return CheckedFile(kind=detected, data=data, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                       original_name=name)


def _pdf_problem(data: bytes) -> str | None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        return _("The PDF is damaged or incomplete (no PDF header or end-of-file marker).")
    return None


def _image_problem(data: bytes, kind: str) -> str | None:
    damaged = _("The image is damaged or incomplete: it cannot be read whole.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != {"jpeg": "JPEG", "png": "PNG"}[kind]:
                return damaged
            width, height = image.size
            if width * height > MAX_PIXELS:
                return _("The image is too large (%(width)s × %(height)s pixels).") % {"width": width, "height": height}
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() does not decode JPEG data: a truncated photo fails only here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return damaged
    return None
