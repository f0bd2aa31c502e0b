"""Scans are checked by the whole structure of their claimed type, not by the first bytes."""

from __future__ import annotations

import pytest

from klassruk.errors import DomainError
from klassruk.services.consent.scans import ScanUpload, check_scan
from tests.core import scan_files


@pytest.mark.parametrize(
    ("build", "media_type"),
    [
        (scan_files.pdf, "application/pdf"),
        (scan_files.jpeg, "image/jpeg"),
        (scan_files.png, "image/png"),
    ],
)
def test_real_scans_are_accepted(build, media_type):
    assert check_scan(ScanUpload("бланк", build())) == media_type


HOSTILE = {
    "jpeg_then_pdf": (lambda: scan_files.jpeg() + scan_files.pdf(), "PDF|другие данные"),
    "pdf_inside_jpeg_comment": (
        lambda: scan_files.jpeg(comment=scan_files.pdf()), "спрятан документ PDF"
    ),
    "pdf_then_zip": (lambda: scan_files.pdf() + scan_files.zip_archive(), "другие данные"),
    "png_then_zip": (lambda: scan_files.png() + scan_files.zip_archive(), "другие данные"),
    "pdf_header_and_garbage": (lambda: b"%PDF-1.4\n" + b"x" * 100, "не открывается как PDF"),
    "pdf_without_pages": (scan_files.pdf_without_pages, "нет ни одной страницы"),
    "truncated_jpeg": (lambda: scan_files.jpeg()[:300], "не открывается как JPEG"),
    "truncated_png": (lambda: scan_files.png()[:60], "не открывается как PNG"),
    "png_header_and_garbage": (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "не открывается"),
    "jpeg_header_on_png": (lambda: b"\xff\xd8\xff" + scan_files.png(), "не открывается"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_scans_are_refused_with_a_message(name):
    build, message = HOSTILE[name]
    with pytest.raises(DomainError, match=message):
        check_scan(ScanUpload("бланк", build()))
