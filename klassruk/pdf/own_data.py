"""A guardian's own data as the school holds it, printed section by section (A4 portrait)."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from klassruk.pdf import FONT, new_document
from klassruk.services.cabinet.own_data import OwnData

MARGIN = 15.0


def _line(pdf: FPDF, text: str, *, size: float = 9.5, style: str = "") -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")


def _row(values: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in values.items() if value not in ("", None))


def _part(pdf: FPDF, title: str, value: Any, depth: int) -> None:
    if isinstance(value, dict):
        if title:
            _line(pdf, title, size=12 - depth, style="B")
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                _part(pdf, key, item, depth + 1)
            else:
                _line(pdf, f"{key}: {item}")
    elif isinstance(value, list):
        _line(pdf, f"{title} ({len(value)})", size=12 - depth, style="B")
        if not value:
            _line(pdf, "нет записей", style="I")
        for item in value:
            if isinstance(item, dict) and any(isinstance(v, (dict, list)) for v in item.values()):
                _part(pdf, "", item, depth + 1)
            else:
                _line(pdf, "• " + (_row(item) if isinstance(item, dict) else str(item)))
    else:
        _line(pdf, f"{title}: {value}")
    pdf.ln(1.5)


def render_own_data(data: OwnData, *, school_name: str) -> bytes:
    """Every section of `data` as headings and lines; long lists flow over pages."""
    pdf = new_document("Мои данные в школе", margin=MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    _line(pdf, school_name, size=10)
    _line(pdf, "Персональные данные, которые хранит школа", size=15, style="B")
    _line(pdf, f"{data.guardian_name}, выгружено {data.made_at}.", size=10)
    pdf.ln(3)
    for title, value in data.sections.items():
        _part(pdf, title, value, 0)
    return bytes(pdf.output())
