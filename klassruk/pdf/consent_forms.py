"""The consent form to personal-data processing (152-ФЗ), pre-filled, one A4 page per guardian."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from klassruk.pdf import FONT, new_document
from klassruk.services.consent.forms import ConsentForm

MARGIN = 18.0
LINE = 5.0
PURPOSES = (
    "ведение электронного журнала успеваемости и электронного дневника обучающегося;",
    "предоставление родителям (законным представителям) сведений об успеваемости, посещаемости, "
    "расписании, домашних заданиях и рекомендациях учителей в личном кабинете;",
    "уведомления об этих сведениях по электронной почте и SMS.",
)
DATA = (
    "Данные ребёнка: фамилия, имя, отчество; дата рождения; класс и учебные группы; оценки, "
    "пропуски уроков, домашние задания, контрольные работы, рекомендации учителей; логин "
    "учётной записи. Мои данные: фамилия, имя, отчество; степень родства; адрес электронной "
    "почты; номер телефона; логин учётной записи."
)
ACTIONS = (
    "Действия с данными: сбор, запись, систематизация, накопление, хранение, уточнение, "
    "извлечение, использование, предоставление мне и моему ребёнку, блокирование, удаление, "
    "уничтожение, с использованием средств автоматизации и без них. Согласие действует на время "
    "обучения ребёнка в школе и может быть отозвано моим письменным заявлением; после отзыва "
    "сведения об успеваемости выдаются только на бумаге."
)


def _box(pdf: FPDF, text: str) -> None:
    y = pdf.get_y()
    pdf.rect(pdf.l_margin + 1, y + 1, 3.5, 3.5)
    pdf.set_x(pdf.l_margin + 7)
    pdf.multi_cell(0, LINE, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _form(pdf: FPDF, form: ConsentForm, school_name: str) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, LINE, "Бланк № __________ (заполняет школа)", align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 7, "СОГЛАСИЕ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, "на обработку персональных данных", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 10.5)
    children = ", ".join(form.children) or "—"
    pdf.multi_cell(
        0, LINE,
        f"Я, {form.guardian}, родитель (законный представитель) обучающегося (обучающихся): "
        f"{children}, {form.class_name} класс, в соответствии со статьёй 9 Федерального закона "
        "от 27.07.2006 № 152-ФЗ «О персональных данных» своей волей и в своём интересе, а также "
        "в интересе ребёнка принимаю решение о предоставлении оператору — "
        f"{school_name} — персональных данных моих и ребёнка для следующих целей:",
        new_x="LMARGIN", new_y="NEXT",
    )
    for index, purpose in enumerate(PURPOSES, start=1):
        pdf.set_x(pdf.l_margin + 5)
        pdf.multi_cell(0, LINE, f"{index}) {purpose}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, LINE, DATA, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(0, LINE, ACTIONS, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(0, 6, "Моё решение (отметьте один вариант):", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10.5)
    _box(pdf, "СОГЛАСЕН(НА) на обработку персональных данных для указанных целей.")
    _box(pdf, "НЕ СОГЛАСЕН(НА). Сведения об успеваемости прошу выдавать на бумаге.")
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(0, 6, "Сведения об успеваемости прошу предоставлять:", new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font(FONT, "", 10.5)
    _box(pdf, "в электронном виде: личный кабинет, уведомления по e-mail и SMS;")
    _box(pdf, "на бумаге — выписками из электронного журнала (например, нет доступа к интернету).")
    pdf.ln(10)
    dated, blank = "«___» ______________ 20___ г.        ", "________________"
    pdf.cell(0, 6, f"{dated}{blank}  / {form.guardian} /", new_x="LMARGIN", new_y="NEXT")
    signature_x = pdf.l_margin + pdf.get_string_width(dated)
    signature_width = pdf.get_string_width(blank)
    pdf.set_font(FONT, "I", 8)
    pdf.set_x(signature_x)
    pdf.cell(signature_width, 4, "подпись", align="C")


def render_consent_forms(forms: Sequence[ConsentForm], *, school_name: str) -> bytes:
    """One PDF with a pre-filled consent form per guardian."""
    pdf = new_document("Согласие на обработку персональных данных", margin=MARGIN)
    for form in forms:
        _form(pdf, form, school_name)
    if not forms:
        pdf.add_page()
        pdf.set_font(FONT, "", 12)
        pdf.cell(0, 10, "Все родители класса уже вернули бланки согласия.")
    return bytes(pdf.output())
