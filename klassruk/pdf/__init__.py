"""Printed documents (fpdf2 with PT Sans, which covers Cyrillic): shared page setup."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fontpkg_pt_sans import ROOT as PT_SANS_ROOT
from fpdf import FPDF

FONT_DIR = Path(PT_SANS_ROOT) / "files"
FONT = "PTSans"


def new_document(
    title: str, *, margin: float, orientation: Literal["portrait", "landscape"] = "portrait"
) -> FPDF:
    """An A4 document (portrait unless told) with PT Sans regular, bold and italic registered."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(margin, margin)
    pdf.add_font(FONT, "", str(FONT_DIR / "PT_Sans-Web-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "PT_Sans-Web-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONT_DIR / "PT_Sans-Web-Italic.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Классрук")
    return pdf
