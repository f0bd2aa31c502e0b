"""Security incidents: report a compromised account; the admin voids, restores and closes."""

from datetime import datetime

import pandas as pd
import streamlit as st

from components.auth import guard
from components.incidents import FLASH, compromise_form
from components.runtime import db
from components.school import school_timezone, today
from components.text import escape
from klassruk.audit_titles import (
    OPERATION_TITLES,
    changes_text,
    entity_title,
    field_title,
    value_text,
)
from klassruk.errors import DomainError
from klassruk.formatting import format_timestamp
from klassruk.models.incidents import (
    INCIDENT_STATUS_TITLES,
    ITEM_OUTCOME_TITLES,
    REPORTER_KIND_TITLES,
    IncidentStatus,
    ItemOutcome,
)
from klassruk.pdf.incident_act import render_incident_act
from klassruk.permissions import Action, Actor
from klassruk.services.accounts import list_users
from klassruk.services.credentials import classes_in_scope, credentials_board
from klassruk.services.incidents import (
    close_incident,
    decide_conflict,
    list_incidents,
    operations_to_void,
    void_operations,
    voided_operations,
)
from klassruk.setup import SCHOOL_NAME_KEY, get_setting

REINSTATED = "incident_reinstated"

actor = guard(Action.VIEW_INCIDENTS)
st.title("Инциденты безопасности")
zone = school_timezone()


def when(value: datetime | None) -> str:
    return format_timestamp(value, zone)


def pick_account(actor: Actor) -> tuple[str, str] | None:
    """The account to report: the admin searches everyone, a class teacher picks a family."""
    if actor.is_school_wide_for(Action.REPORT_COMPROMISE):
        search = st.text_input("Найти учётную запись (ФИО или логин)", key="incident_search")
        if not search.strip():
            return None
        with db(actor) as session:
            users = list_users(session, actor, search=search, limit=50)
        choices = {f"{u.display_name} ({u.login})": (u.login, u.display_name) for u in users}
    else:
        with db(actor) as session:
            classes = classes_in_scope(session, actor, action=Action.ISSUE_CREDENTIALS)
        if not classes:
            st.info("Классное руководство вам не назначено.")
            return None
        by_name = {choice.name: choice for choice in classes}
        chosen = by_name[st.selectbox("Класс", list(by_name), key="incident_class")]
        with db(actor) as session:
            board = credentials_board(session, actor, class_id=chosen.class_id, on=today())
        choices = {
            f"{row.name} ({row.login})": (row.login, row.name) for row in board if row.login
        }
    if not choices:
        st.info("Учётные записи не найдены.")
        return None
    return choices[st.selectbox("Учётная запись", list(choices), key="incident_account")]


if FLASH in st.session_state:
    st.success(escape(st.session_state.pop(FLASH)))
if actor.can(Action.REPORT_COMPROMISE):
    with st.expander("Сообщить о компрометации учётной записи"):
        target = pick_account(actor)
        if target is not None and compromise_form(
            actor, login=target[0], key="incident_report", who=target[1]
        ):
            st.rerun()

with db(actor) as session:
    incidents = list_incidents(session, actor)
if not incidents:
    st.info("Инцидентов пока нет.")
    st.stop()

st.dataframe(
    pd.DataFrame(
        {
            "№": [i.id for i in incidents],
            "Учётная запись": [f"{i.account_name} ({i.login})" for i in incidents],
            "Сообщил(а)": [i.reported_by for i in incidents],
            "Сообщено": [when(i.reported_at) for i in incidents],
            "В срок": ["да" if i.reported_in_time else "нет" for i in incidents],
            "Состояние": [INCIDENT_STATUS_TITLES[i.status] for i in incidents],
        }
    ),
    hide_index=True,
    width="stretch",
)
by_label = {f"№ {i.id} — {i.account_name} ({i.login})": i for i in incidents}
incident = by_label[st.selectbox("Инцидент", list(by_label), key="incident_chosen")]

st.subheader(f"Инцидент № {incident.id}: {escape(incident.account_name)}")
facts = {
    "Сообщил(а)": f"{incident.reported_by}, {REPORTER_KIND_TITLES[incident.reporter_kind]}",
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
st.dataframe(
    pd.DataFrame({"": list(facts), "Сведения": list(facts.values())}),
    hide_index=True,
    width="stretch",
)

manage = actor.can(Action.MANAGE_INCIDENTS)
is_open = incident.status is IncidentStatus.OPEN
if manage and is_open:
    st.subheader("Признать операции недействительными")
    starts = {"с момента сообщения": False}
    if incident.suspected_since is not None:
        starts[f"с момента подозрения ({when(incident.suspected_since)})"] = True
    from_suspected = starts[st.radio("Операции учётной записи", list(starts), key="void_from")]
    with db(actor) as session:
        pending = operations_to_void(
            session, actor, incident_id=incident.id, from_suspected=from_suspected
        )
    st.caption(f"Операций, которые будут признаны недействительными: {len(pending)}.")
    with st.form("void_form"):
        reason = st.text_input(
            "Основание", value=f"Компрометация учётной записи, инцидент № {incident.id}"
        )
        if st.form_submit_button("Признать недействительными и восстановить данные"):
            try:
                with db(actor) as session:
                    summary = void_operations(
                        session, actor, incident_id=incident.id, reason=reason,
                        from_suspected=from_suspected,
                    )
            except DomainError as error:
                st.error(escape(str(error)))
            else:
                st.session_state[FLASH] = (
                    f"Недействительных операций: {summary.voided}; данные восстановлены: "
                    f"{summary.restored}; конфликтов: {summary.conflicts}; "
                    f"не восстанавливаются автоматически: {summary.not_restorable}."
                )
                st.rerun()

with db(actor) as session:
    operations = voided_operations(session, actor, incident_id=incident.id)
st.subheader("Недействительные операции")
if not operations:
    st.caption("Операции не признавались недействительными.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Когда": [when(o.audit.at) for o in operations],
                "Объект": [
                    f"{entity_title(o.audit.entity)} № {o.audit.entity_id}" for o in operations
                ],
                "Действие": [OPERATION_TITLES[o.audit.operation] for o in operations],
                "Изменения": [
                    changes_text(o.audit.operation, o.audit.changes, zone) for o in operations
                ],
                "Итог": [ITEM_OUTCOME_TITLES[o.outcome] for o in operations],
                "Пояснение": [o.detail or o.decision_note or "" for o in operations],
            }
        ),
        hide_index=True,
        width="stretch",
        key="voided_table",
    )
conflicts = [o for o in operations if o.outcome is ItemOutcome.CONFLICT]
if manage and conflicts:
    st.subheader("Конфликты: решите вручную")
    for item in conflicts:
        with st.container(border=True):
            audit = item.audit
            st.markdown(
                f"**{entity_title(audit.entity)} № {escape(audit.entity_id)}** — "
                f"{escape(item.detail or '')}"
            )
            current = item.current or {}
            now_text = "; ".join(
                f"{field_title(key)}: {value_text(key, value, zone)}"
                for key, value in current.items()
                if key != "id"
            )
            st.text(f"Операция: {changes_text(audit.operation, audit.changes, zone)}")
            st.text(f"Сейчас: {now_text or 'запись удалена'}")
            with st.form(f"conflict_{item.item_id}"):
                note = st.text_input("Обоснование решения", key=f"conflict_note_{item.item_id}")
                keep = st.form_submit_button("Оставить как есть")
                restore = st.form_submit_button("Восстановить прежнее значение")
            if keep or restore:
                try:
                    with db(actor) as session:
                        decide_conflict(
                            session, actor, item_id=item.item_id, restore=restore, note=note
                        )
                except DomainError as error:
                    st.error(escape(str(error)))
                else:
                    st.rerun()

if manage and is_open:
    st.subheader("Закрыть инцидент")
    with st.form("close_form"):
        note = st.text_area("Заключение", max_chars=1000)
        reinstate = st.checkbox(
            "Восстановить доступ: выдать новый код активации, при входе — смена пароля",
            value=True,
        )
        if st.form_submit_button("Закрыть инцидент", type="primary"):
            try:
                with db(actor) as session:
                    result = close_incident(
                        session, actor, incident_id=incident.id, note=note, reinstate=reinstate
                    )
            except DomainError as error:
                st.error(escape(str(error)))
            else:
                st.session_state[REINSTATED] = result
                st.session_state[FLASH] = f"Инцидент № {incident.id} закрыт."
                st.rerun()
reinstated = st.session_state.get(REINSTATED)
if reinstated is not None and reinstated.login == incident.login:
    st.warning(
        f"Новый код активации для «{escape(reinstated.login)}»: **{reinstated.code}** "
        f"(действует до {when(reinstated.expires_at)}). Передайте его владельцу лично; "
        "в системе код не хранится."
    )

if actor.is_school_wide_for(Action.VIEW_INCIDENTS):
    with db(actor) as session:
        school_name = get_setting(session, SCHOOL_NAME_KEY, "Классрук")
    st.download_button(
        "Скачать акт об инциденте (PDF)",
        # Rendered only when clicked: a page run stays cheap.
        data=lambda: render_incident_act(
            incident, operations, school_name=school_name, timezone=zone
        ),
        file_name=f"akt_incident_{incident.id}.pdf",
        mime="application/pdf",
        icon=":material/description:",
        key="incident_act",
    )
