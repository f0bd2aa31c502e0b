"""Uploaded scans checked by the whole structure of the type their first bytes claim.

A signature proves little: a file may start like a JPEG and carry a PDF or an archive after it
(a polyglot), or be damaged past its header. A PDF must open with `pypdf` and have a page; an
image must pass Pillow's `verify()` and decode fully; nothing may follow the format's own end,
and an image may not hold a PDF.
"""

from __future__ import annotations

import io
import re

from klassruk.errors import DomainError

# What ends each format: JPEG's EOI marker, PNG's IEND chunk with its CRC, PDF's last %%EOF.
_ENDS = {
    "image/jpeg": b"\xff\xd9",
    "image/png": b"IEND\xaeB`\x82",
}
_PDF_END = re.compile(rb"%%EOF\s*$")
_TITLES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
# Pillow refuses images above ~179 megapixels with an error; a scan needs far fewer.
MAX_SCAN_PIXELS = 60_000_000


def check_scan_structure(content: bytes, media_type: str) -> None:
    """Refuse a scan that is not wholly a valid file of `media_type` (DomainError in Russian)."""
    title = _TITLES[media_type]
    damaged = DomainError(
        f"Файл начинается как {title}, но не открывается как {title} целиком: он повреждён "
        "или содержит что-то ещё. Отсканируйте бланк заново и загрузите полученный файл."
    )
    try:
        if media_type == "application/pdf":
            _check_pdf(content)
        else:
            _check_image(content, media_type)
    except DomainError:
        raise
    except Exception as error:  # the parsers fail on damaged files in many ways
        raise damaged from error
    if not _ends_where_the_format_ends(content, media_type):
        what = "документа" if media_type == "application/pdf" else "изображения"
        raise DomainError(
            f"После конца {what} {title} в файле есть другие данные. Загрузите скан, "
            "сохранённый заново, без вложений."
        )


def _check_pdf(content: bytes) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content), strict=True)
    if len(reader.pages) < 1:
        raise DomainError("В файле PDF нет ни одной страницы.")
    reader.pages[0].mediabox  # noqa: B018 (the first page's objects must resolve too)


def _check_image(content: bytes, media_type: str) -> None:
    from PIL import Image

    if b"%PDF-" in content:
        raise DomainError("Внутри изображения спрятан документ PDF: такой файл не принимается.")
    with Image.open(io.BytesIO(content)) as image:
        if image.get_format_mimetype() != media_type:
            raise DomainError("Содержимое файла не совпадает с его форматом.")
        if image.width * image.height > MAX_SCAN_PIXELS:
            raise DomainError("Изображение слишком большое: уменьшите разрешение скана.")
        image.verify()
    with Image.open(io.BytesIO(content)) as image:  # verify() leaves the image unusable
        image.load()


def _ends_where_the_format_ends(content: bytes, media_type: str) -> bool:
    if media_type == "application/pdf":
        return _PDF_END.search(content[-1024:]) is not None
    return content.rstrip(b"\0\r\n ").endswith(_ENDS[media_type])
