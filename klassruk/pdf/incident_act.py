"""The incident act for the head of school: what was reported, done, voided and restored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from fpdf import FPDF

from klassruk.audit.titles import OPERATION_TITLES, Names, changes_text, object_title
from klassruk.models.incidents import (
    INCIDENT_STATUS_TITLES,
    ITEM_OUTCOME_TITLES,
    REPORTER_KIND_TITLES,
)
from klassruk.pdf import FONT, new_document
from klassruk.services.incidents import IncidentRow
from klassruk.services.incidents.voiding import VoidedOperation
from klassruk.text.formatting import format_timestamp
from klassruk.text.russian import agree_with

MARGIN = 18.0
LABEL = 62.0
LINE = 5.5
# What the values of a voided operation are, by what it did.
VALUES_LABELS = {"insert": "Внесено", "update": "Было → стало", "delete": "Удалено"}


def _fact(pdf: FPDF, label: str, value: str) -> None:
    y = pdf.get_y()
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(LABEL, LINE, label, new_x="RIGHT", new_y="TOP")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, LINE, value, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), y + LINE) + 1)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 11.5)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _report_facts(
    incident: IncidentRow, when: Callable[[datetime | None], str]
) -> list[tuple[str, str]]:
    deadline = f"до {when(incident.deadline_at)} — " + (
        "соблюдён" if incident.reported_in_time else "НАРУШЕН"
    )
    return [
        ("Учётная запись", f"{incident.account_name} (логин {incident.login})"),
        (
            agree_with(incident.reported_by, "Сообщил", "Сообщила"),
            f"{incident.reported_by}, {REPORTER_KIND_TITLES[incident.reporter_kind]}",
        ),
        ("Обнаружено", when(incident.discovered_at)),
        ("Подозревается с", when(incident.suspected_since)),
        ("Сообщено в школу", when(incident.reported_at)),
        ("Внесено в систему", when(incident.recorded_at)),
        ("Как обнаружено", incident.how_discovered),
        ("Срок сообщения (1 рабочий день)", deadline),
        (
            "Принятые меры",
            f"{when(incident.recorded_at)}: учётная запись заблокирована, все сеансы "
            "завершены, неиспользованные коды активации отозваны; администратор и "
            "руководство школы уведомлены.",
        ),
        ("Состояние", INCIDENT_STATUS_TITLES[incident.status]),
    ]


def _operation_lines(item: VoidedOperation, timezone: str, names: Names) -> tuple[str, str, str]:
    """When, who, what; the values as the screens show them; what became of the data."""
    audit = item.audit
    who = names.logins.get(audit.actor_login, audit.actor_login)
    head = (
        f"{format_timestamp(audit.at, timezone)}, {who}: "
        f"{OPERATION_TITLES.get(audit.operation, audit.operation)} — "
        f"{object_title(audit.entity, audit.entity_id, names)}"
    )
    values = changes_text(audit.operation, audit.changes, timezone, table=audit.entity,
                          names=names)
    detail = f" ({item.detail})" if item.detail else ""
    decided = f" Решение: {item.decided_by} — {item.decision_note}." if item.decided_by else ""
    outcome = f"Итог: {ITEM_OUTCOME_TITLES[item.outcome]}{detail}.{decided}"
    return head, f"{VALUES_LABELS.get(audit.operation, 'Значения')}: {values}.", outcome


def _voided_section(
    pdf: FPDF,
    incident: IncidentRow,
    operations: Sequence[VoidedOperation],
    timezone: str,
    names: Names,
) -> None:
    _heading(pdf, "Операции, признанные недействительными")
    if incident.voided_from is None:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, LINE, "Не рассматривались.", new_x="LMARGIN", new_y="NEXT")
        return
    _fact(pdf, "Недействительны начиная с", format_timestamp(incident.voided_from, timezone))
    _fact(pdf, "Основание", incident.void_reason or "—")
    _fact(pdf, "Всего операций", str(len(operations)))
    for number, item in enumerate(operations, start=1):
        head, values, outcome = _operation_lines(item, timezone, names)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 4.6, f"{number}. {head}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9)
        pdf.set_x(MARGIN + 5)
        pdf.multi_cell(0, 4.6, values, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(MARGIN + 5)
        pdf.multi_cell(0, 4.6, outcome, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)


def render_incident_act(
    incident: IncidentRow,
    operations: Sequence[VoidedOperation],
    *,
    school_name: str,
    timezone: str,
    names: Names,
) -> bytes:
    """One A4 act (several pages if many operations were voided) as PDF bytes."""
    pdf = new_document(f"Акт об инциденте № {incident.id}", margin=MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()

    def when(value: datetime | None) -> str:
        return format_timestamp(value, timezone)

    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, LINE, school_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(
        0, 7, f"Акт о компрометации учётной записи (инцидент № {incident.id})",
        align="C", new_x="LMARGIN", new_y="NEXT",
    )
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(
        0, LINE, f"Время указано по часовому поясу школы ({timezone}).", align="C",
        new_x="LMARGIN", new_y="NEXT",
    )
    pdf.ln(3)
    for label, value in _report_facts(incident, when):
        _fact(pdf, label, value)
    _voided_section(pdf, incident, operations, timezone, names)
    _heading(pdf, "Закрытие инцидента")
    if incident.closed_at is None:
        _fact(pdf, "Закрыт", "нет, инцидент открыт")
    else:
        _fact(pdf, "Закрыт", f"{when(incident.closed_at)}, {incident.closed_by}")
        _fact(pdf, "Заключение", incident.close_note or "—")
    pdf.ln(10)
    pdf.set_font(FONT, "", 10)
    for role in ("Администратор", "Руководитель образовательной организации"):
        pdf.cell(0, 8, f"{role}: ____________________ / ____________________",
                 new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
