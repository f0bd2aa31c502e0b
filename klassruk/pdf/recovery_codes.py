"""The second factor's recovery codes on paper, to keep apart from the phone."""

from __future__ import annotations

from collections.abc import Sequence

from klassruk.pdf import FONT, new_document

MARGIN = 20.0
NOTES = (
    "Каждый код действует один раз: введите его при входе вместо кода из приложения, "
    "если телефона нет под рукой.",
    "Храните этот лист отдельно от телефона, не фотографируйте его и никому не передавайте.",
    "Использованный код вычеркните. Если коды закончились или лист потерян — обратитесь "
    "к администратору школы: он сбросит второй фактор, и вы подключите его заново.",
)


def render_recovery_codes(
    codes: Sequence[str], *, name: str, login: str, school_name: str, made_on: str
) -> bytes:
    """One A4 page: whose codes, the codes in large type, how to use and keep them."""
    pdf = new_document("Резервные коды второго фактора", margin=MARGIN)
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5.5, school_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(
        0, 8, "Резервные коды второго фактора", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(
        0, 6, f"{name} (логин {login}), коды выданы {made_on}.",
        new_x="LMARGIN", new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_font(FONT, "B", 16)
    for number, code in enumerate(codes, start=1):
        pdf.cell(0, 10, f"{number:>2}.   {code}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    for note in NOTES:
        pdf.multi_cell(0, 5.5, f"• {note}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
