"""Real scan files for tests (PDF, JPEG, PNG) and hostile variants of them."""

from __future__ import annotations

import io

from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter


def png() -> bytes:
    """A small real PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(comment: bytes = b"") -> bytes:
    """A small real JPEG, optionally with a comment segment."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 130, 60)).save(buffer, "JPEG", comment=comment)
    return buffer.getvalue()


def pdf() -> bytes:
    """A one-page real PDF."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Consent form")
    return bytes(document.output())


def pdf_without_pages() -> bytes:
    """A well-formed PDF with no page at all."""
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    return buffer.getvalue()


def zip_archive() -> bytes:
    """Another payload to hide in a scan."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ" + bytes(100))
    return buffer.getvalue()
