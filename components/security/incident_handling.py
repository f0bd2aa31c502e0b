"""The incidents screen: the list, one incident's facts, and the admin's steps of handling it."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from components.administration.users import new_code_slip
from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import announce, reported_errors
from components.kit.runtime import db, db_read, school_settings
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.audit.titles import (
    OPERATION_TITLES,
    Names,
    changes_text,
    field_title,
    object_title,
    value_text,
)
from klassruk.models.incidents import (
    INCIDENT_STATUS_TITLES,
    ITEM_OUTCOME_TITLES,
    REPORTER_KIND_TITLES,
)
from klassruk.pdf.incident_act import render_incident_act
from klassruk.services.incidents import IncidentRow, close_incident
from klassruk.services.incidents.voiding import (
    VoidedOperation,
    decide_conflict,
    operations_to_void,
    void_operations,
)
from klassruk.text.formatting import format_timestamp
from klassruk.text.russian import agree_with

REINSTATED = "incident_reinstated"
VOID_CONFIRM = "incident_void"
# Forms here void, restore and close: only a click submits them, never an Enter in a field.


def incident_list(incidents: list[IncidentRow], zone: str) -> IncidentRow:
    """The incidents as a table, and the one picked to work on."""
    show_table(
        {
            "№": [i.id for i in incidents],
            "Учётная запись": [f"{i.account_name} ({i.login})" for i in incidents],
            "Сообщил(а)": [i.reported_by for i in incidents],
            "Сообщено": [format_timestamp(i.reported_at, zone) for i in incidents],
            "В срок": ["да" if i.reported_in_time else "нет" for i in incidents],
            "Состояние": [INCIDENT_STATUS_TITLES[i.status] for i in incidents],
        },
        empty="Инцидентов нет.",
    )
    by_label = {f"№ {i.id} — {i.account_name} ({i.login})": i for i in incidents}
    return by_label[st.selectbox("Инцидент", list(by_label), key="incident_chosen")]


def incident_facts(incident: IncidentRow, zone: str) -> None:
    """Who reported what and when, the deadline, and how it ended."""
    def when(value: datetime | None) -> str:
        return format_timestamp(value, zone)

    st.subheader(f"Инцидент № {incident.id}: {escape(incident.account_name)}")
    facts = {
        agree_with(incident.reported_by, "Сообщил", "Сообщила"): (
            f"{incident.reported_by}, {REPORTER_KIND_TITLES[incident.reporter_kind]}"
        ),
        "Обнаружено": when(incident.discovered_at),
        "Подозревается с": when(incident.suspected_since),
        "Сообщено в школу": when(incident.reported_at),
        "Срок сообщения": f"до {when(incident.deadline_at)} — "
        + ("соблюдён" if incident.reported_in_time else "нарушен"),
        "Как обнаружено": incident.how_discovered,
        "Состояние": INCIDENT_STATUS_TITLES[incident.status],
    }
    if incident.closed_at is not None:
        facts["Закрыт"] = f"{when(incident.closed_at)}, {incident.closed_by}: {incident.close_note}"
    show_table({"": list(facts), "Сведения": list(facts.values())})


def void_section(actor: Actor, incident: IncidentRow, zone: str) -> None:
    """Mark the account's operations invalid, from the report or the suspected time."""
    st.subheader("Признать операции недействительными")
    starts = {"с момента сообщения": False}
    if incident.suspected_since is not None:
        since = format_timestamp(incident.suspected_since, zone)
        starts[f"с момента подозрения ({since})"] = True
    from_suspected = starts[st.radio("Операции учётной записи", list(starts), key="void_from")]
    with db_read(actor) as session:
        pending = operations_to_void(
            session, actor, incident_id=incident.id, from_suspected=from_suspected
        )
    st.caption(f"Операций, которые будут признаны недействительными: {len(pending)}.")
    with st.form("void_form", enter_to_submit=False):
        reason = st.text_input(
            "Основание", value=f"Компрометация учётной записи, инцидент № {incident.id}"
        )
        if st.form_submit_button("Признать недействительными и восстановить данные"):
            start = "подозрения" if from_suspected else "сообщения"
            ask(VOID_CONFIRM, Risky(
                f"Признать недействительными операции учётной записи «{incident.login}» "
                f"({incident.account_name}) с момента {start}: {len(pending)}? Изменённые ими "
                "данные будут восстановлены, где это возможно; отменить это нельзя.",
                "Признать недействительными", payload=(incident.id, reason, from_suspected),
            ))
    answer = confirmed(VOID_CONFIRM)
    if answer is None:
        return
    incident_id, why, since_suspected = answer.payload
    with reported_errors():
        with db(actor) as session:
            summary = void_operations(
                session, actor, incident_id=incident_id, reason=why,
                from_suspected=since_suspected,
            )
        announce(
            f"Недействительных операций: {summary.voided}; данные восстановлены: "
            f"{summary.restored}; конфликтов: {summary.conflicts}; "
            f"не восстанавливаются автоматически: {summary.not_restorable}."
        )


def voided_table(operations: list[VoidedOperation], zone: str, names: Names) -> None:
    """The operations the incident voided, and what became of their data."""
    st.subheader("Недействительные операции")
    if not operations:
        st.caption("Операции не признавались недействительными.")
        return
    show_table(
        {
            "Когда": [format_timestamp(o.audit.at, zone) for o in operations],
            "Объект": [object_title(o.audit.entity, o.audit.entity_id, names) for o in operations],
            "Действие": [OPERATION_TITLES[o.audit.operation] for o in operations],
            "Изменения": [
                changes_text(
                    o.audit.operation, o.audit.changes, zone, table=o.audit.entity, names=names
                )
                for o in operations
            ],
            "Итог": [ITEM_OUTCOME_TITLES[o.outcome] for o in operations],
            "Пояснение": [o.detail or o.decision_note or "" for o in operations],
        },
        key="voided_table",
    )


def conflict_decision(actor: Actor, item: VoidedOperation, zone: str, names: Names) -> None:
    """One conflict: what the voided operation did, what is there now, keep or restore."""
    audit = item.audit
    with st.container(border=True):
        st.markdown(
            f"**{escape(object_title(audit.entity, audit.entity_id, names))}** — "
            f"{escape(item.detail or '')}"
        )
        now_text = "; ".join(
            f"{field_title(key, audit.entity)}: "
            f"{value_text(key, value, zone, table=audit.entity, names=names)}"
            for key, value in (item.current or {}).items()
            if key != "id"
        )
        operation = changes_text(
            audit.operation, audit.changes, zone, table=audit.entity, names=names
        )
        st.text(f"Операция: {operation}")
        st.text(f"Сейчас: {now_text or 'запись удалена'}")
        with st.form(f"conflict_{item.item_id}", enter_to_submit=False):
            note = st.text_input("Обоснование решения", key=f"conflict_note_{item.item_id}")
            keep = st.form_submit_button("Оставить как есть")
            restore = st.form_submit_button("Восстановить прежнее значение")
    if keep or restore:
        with reported_errors():
            with db(actor) as session:
                decide_conflict(session, actor, item_id=item.item_id, restore=restore, note=note)
            announce("Восстановлено прежнее значение." if restore else "Оставлено как есть.")


def close_section(actor: Actor, incident: IncidentRow) -> None:
    """Close the incident with a note, giving the owner a new activation code or not."""
    st.subheader("Закрыть инцидент")
    with st.form("close_form", enter_to_submit=False):
        note = st.text_area("Заключение", max_chars=1000)
        reinstate = st.checkbox(
            "Восстановить доступ: выдать новый код активации, при входе — смена пароля",
            value=True,
        )
        if not st.form_submit_button("Закрыть инцидент", type="primary"):
            return
    with reported_errors():
        with db(actor) as session:
            result = close_incident(
                session, actor, incident_id=incident.id, note=note, reinstate=reinstate
            )
        st.session_state[REINSTATED] = result
        announce(f"Инцидент № {incident.id} закрыт.")


def reinstated_code(actor: Actor, incident: IncidentRow, zone: str) -> None:
    """The new activation code of a reinstated account, on screen and on a printable slip."""
    reinstated = st.session_state.get(REINSTATED)
    if reinstated is None or reinstated.login != incident.login:
        return
    st.warning(
        f"Новый код активации для «{escape(reinstated.login)}»: **{reinstated.code}** "
        f"(действует до {format_timestamp(reinstated.expires_at, zone)}). "
        "Передайте его владельцу лично или распечатайте листок; в системе код не хранится."
    )
    new_code_slip(actor, reinstated, key="incident_code_slip")


def act_download(
    incident: IncidentRow, operations: list[VoidedOperation], zone: str, names: Names
) -> None:
    """The incident act (PDF) for the head of school, rendered only when clicked."""
    school_name = school_settings().school_name
    st.download_button(
        "Скачать акт об инциденте (PDF)",
        data=lambda: render_incident_act(
            incident, operations, school_name=school_name, timezone=zone, names=names
        ),
        file_name=f"akt_incident_{incident.id}.pdf",
        mime="application/pdf",
        icon=":material/description:",
        key="incident_act",
    )
