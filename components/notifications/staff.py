"""«Сообщения семьям»: write to a class (grade, school), then follow each family's state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act, reported_errors
from components.kit.pickers import class_picker, multi_picker
from components.kit.runtime import db_read
from components.kit.school import school_timezone, today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor
from klassruk.models.families import ACK_CHANNEL_TITLES
from klassruk.models.notifications import (
    CHANNEL_TITLES,
    DELIVERY_STATUS_TITLES,
    Channel,
    ClassMessage,
    MessageAudience,
)
from klassruk.services.calendar import week_start
from klassruk.services.notifications import messages, tracking
from klassruk.text.formatting import format_date, format_timestamp
from klassruk.text.russian import Case, counted

_AUDIENCES = {
    MessageAudience.CLASS: "класс",
    MessageAudience.GRADE: "параллель",
    MessageAudience.SCHOOL: "вся школа",
}
_ALL, _CHOSEN, _NOT_ACKNOWLEDGED = "все семьи", "выбранные", "не подтвердившие неделю"
_TITLE, _BODY, _ASKS = "message_title", "message_body", "message_asks"
SEND_CONFIRM = "message_send"


@dataclass(frozen=True)
class MessageDraft:
    """A message as written: its title, text, and whether it asks «Ознакомлен(а)»."""

    title: str
    body: str
    asks_acknowledgement: bool


def _audience(actor: Actor) -> tuple[messages.Audience, str] | None:
    """Whom to write to, and how the confirmation names them after «семьям»."""
    kinds = [MessageAudience.CLASS]
    if actor.is_school_wide_for(Action.SEND_MESSAGES):
        kinds += [MessageAudience.GRADE, MessageAudience.SCHOOL]
    kind = st.radio("Кому", kinds, format_func=_AUDIENCES.__getitem__, horizontal=True,
                    key="message_audience") if len(kinds) > 1 else kinds[0]
    if kind is MessageAudience.SCHOOL:
        return messages.Audience(kind), "всей школы"
    if kind is MessageAudience.GRADE:
        grade = st.selectbox("Параллель", list(range(1, 12)), key="message_grade")
        return messages.Audience(kind, grade=grade), f"{grade}-х классов"
    chosen = class_picker(actor, Action.SEND_MESSAGES, key="message_class")
    if chosen is None:
        return None
    whom = f"{chosen.name} класса"
    which = st.radio("Семьи", [_ALL, _CHOSEN, _NOT_ACKNOWLEDGED], horizontal=True,
                     key="message_families")
    if which == _CHOSEN:
        with db_read(actor) as session:
            children = dict(messages.class_children(
                session, actor, class_id=chosen.class_id, on=today()))
        picked = multi_picker("Дети (сообщение получат их родители)", list(children),
                              format_func=children.__getitem__, key="message_children")
        return messages.Audience(
            kind, class_id=chosen.class_id, student_ids=frozenset(picked)
        ), whom
    if which == _NOT_ACKNOWLEDGED:
        monday = week_start(today())
        week = st.date_input("Неделя", value=monday, format="DD.MM.YYYY", key="message_week")
        st.caption(f"Неделя с {format_date(week_start(week))}")
        return messages.Audience(kind, class_id=chosen.class_id, not_acknowledged_week=week), (
            f"{whom} без подтверждения недели с {format_date(week_start(week))}"
        )
    return messages.Audience(kind, class_id=chosen.class_id), whom


def send_question(title: str, whom: str, reach: messages.Reach) -> str:
    """What sending does, to whom: the families, the letters and SMS, the paper ones."""
    paper = (
        f" На бумаге, в ближайшей выписке, — {counted(reach.paper, 'семья')}."
        if reach.paper else ""
    )
    return (
        f"Отправить сообщение «{title}» {counted(reach.families, 'семья', Case.DATIVE)} {whom} "
        f"({counted(reach.emails, 'письмо')}, {reach.sms} SMS)?{paper} "
        "Отправленное сообщение отозвать нельзя."
    )


def ask_to_send(
    actor: Actor, key: str, audience: messages.Audience, whom: str, draft: MessageDraft
) -> None:
    """Hold a message until the sender confirms it, naming whom it reaches and how."""
    with reported_errors():
        with db_read(actor) as session:
            reach = messages.message_reach(
                session, actor, audience=audience, title=draft.title, body=draft.body, on=today()
            )
        ask(key, Risky(send_question(draft.title.strip(), whom, reach), "Отправить",
                       payload=(audience, draft)))


def send_when_confirmed(
    actor: Actor, key: str, outcome: str | Callable[[ClassMessage], str]
) -> None:
    """Send the held message on the run the sender confirms it."""
    answer = confirmed(key)
    if answer is None:
        return
    audience, draft = answer.payload
    act(actor, lambda s: messages.send_message(
        s, actor, audience=audience, title=draft.title, body=draft.body,
        asks_acknowledgement=draft.asks_acknowledgement, on=today(),
    ), outcome)


def _sent(message: ClassMessage) -> str:
    # The form keeps its text until the message is sent (a «Отмена» must not lose it).
    for key in (_TITLE, _BODY, _ASKS):
        st.session_state.pop(key, None)
    return f"Сообщение «{message.title}» отправлено."


def compose(actor: Actor) -> None:
    """The message form: audience, families, title, text, whether to ask «Ознакомлен(а)»."""
    addressed = _audience(actor)
    if addressed is None:
        return
    audience, whom = addressed
    with st.form("class_message", clear_on_submit=False, enter_to_submit=False):
        title = st.text_input("Тема", max_chars=messages.MAX_TITLE, key=_TITLE)
        body = st.text_area("Текст", max_chars=messages.MAX_BODY, height=160, key=_BODY)
        asks = st.checkbox("Попросить подтвердить «Ознакомлен(а)»", key=_ASKS)
        st.caption("Семьи с согласием и подтверждённым адресом получат письмо или SMS по своим "
                   "настройкам; остальные увидят сообщение в дневнике, а семьи без согласия — "
                   "в ближайшей бумажной выписке.")
        if st.form_submit_button("Отправить", type="primary"):
            ask_to_send(actor, SEND_CONFIRM, audience, whom, MessageDraft(title, body, asks))
    send_when_confirmed(actor, SEND_CONFIRM, _sent)


def _delivery(state: tracking.FamilyState, channel: Channel) -> str:
    found = state.deliveries.get(channel)
    if found is None:
        return "—"
    status, error = found
    title = DELIVERY_STATUS_TITLES[status]
    return f"{title}: {error}" if error else title


def sent(actor: Actor) -> None:
    """Sent messages with their counts; one chosen shows its state per family."""
    zone = school_timezone()
    with db_read(actor) as session:
        rows = tracking.sent_messages(session, actor)
    if not rows:
        st.info("Сообщений ещё не было.")
        return
    show_table({
        "Отправлено": [format_timestamp(r.created_at, zone) for r in rows],
        "Тема": [r.title for r in rows],
        "Семей": [r.families for r in rows],
        "На бумаге": [r.paper for r in rows],
        "Прочитали": [r.read for r in rows],
        "Подтвердили": [r.acknowledged if r.asks_acknowledgement else "—" for r in rows],
    }, key="sent_messages")
    by_id = {r.message_id: r for r in rows}
    chosen = st.selectbox("Сообщение", list(by_id), key="sent_message",
                          format_func=lambda i: f"{format_timestamp(by_id[i].created_at, zone)} — "
                                                f"{by_id[i].title}")
    with db_read(actor) as session:
        families = tracking.message_families(session, actor, message_id=chosen)
    st.markdown(f"**{escape(by_id[chosen].title)}**: состояние по семьям")
    show_table({
        "Обучающийся": [f.student for f in families],
        "Родитель": [f.guardian for f in families],
        "Ознакомлен(а)": [
            f"{format_timestamp(f.acknowledged_at, zone)}, {ACK_CHANNEL_TITLES[f.acknowledged_via]}"
            if f.acknowledged_at and f.acknowledged_via else None
            for f in families
        ],
        "Прочитано": [format_timestamp(f.read_at, zone) if f.read_at else None for f in families],
        "Как получает": [
            ("на бумаге" + (", напечатано" if f.printed_at else ", в следующей выписке"))
            if f.paper else "электронно" for f in families
        ],
        CHANNEL_TITLES[Channel.EMAIL].capitalize(): [_delivery(f, Channel.EMAIL) for f in families],
        CHANNEL_TITLES[Channel.SMS]: [_delivery(f, Channel.SMS) for f in families],
    }, key="message_families_table")
