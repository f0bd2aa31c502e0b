"""The family's «Уведомления»: messages of the school, contacts with codes, preferences."""

from __future__ import annotations

from functools import partial

import streamlit as st

from components.kit.feedback import act
from components.kit.pickers import multi_picker
from components.kit.runtime import db, db_read
from components.kit.school import school_timezone, today
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor
from klassruk.models.notifications import (
    CADENCE_TITLES,
    CHANNEL_TITLES,
    TOPIC_TITLES,
    Cadence,
    Channel,
    Topic,
)
from klassruk.services.notifications import contacts
from klassruk.services.notifications.inbox import acknowledge_message, family_messages, mark_read
from klassruk.services.notifications.preferences import (
    Preferences,
    my_preferences,
    save_preferences,
)
from klassruk.services.overview import ChildRow
from klassruk.text.formatting import format_timestamp

_HOURS = list(range(24))
_PLACEHOLDERS = {Channel.EMAIL: "name@example.ru", Channel.SMS: "+7 900 123-45-67"}


def inbox(actor: Actor, child: ChildRow) -> None:
    """Messages of the class teacher and the school about this child; «Ознакомлен(а)»."""
    on = today()
    zone = school_timezone()
    with db_read(actor) as session:
        rows = family_messages(session, actor, student_id=child.student_id, on=on)
    if not rows:
        st.info("Сообщений от школы пока нет.")
        return
    if any(row.read_at is None for row in rows):
        # Shown now: the sender sees them read.
        with db(actor) as session:
            mark_read(session, actor, student_id=child.student_id, on=on)
    for row in rows:
        with st.container(border=True):
            st.markdown(f"**{escape(row.title)}**")
            st.caption(format_timestamp(row.created_at, zone))
            st.text(row.body)
            if not row.asks_acknowledgement:
                continue
            if row.acknowledged_at is not None:
                st.caption(f"Ознакомлен(а): {format_timestamp(row.acknowledged_at, zone)}")
            elif actor.can(Action.ACKNOWLEDGE) and st.button(
                "Ознакомлен(а)", key=f"ack_message_{row.message_id}", icon=":material/task_alt:"
            ):
                act(actor, partial(acknowledge_message, actor=actor,
                                   message_id=row.message_id, student_id=child.student_id,
                                   on=on), "Ознакомление подтверждено.")


def contact_forms(actor: Actor) -> None:
    """E-mail and phone: each confirmed by a code sent to it before anything else goes there."""
    with db_read(actor) as session:
        known = contacts.my_contacts(session, actor)
    for channel in Channel:
        row = known.get(channel)
        title = CHANNEL_TITLES[channel].capitalize()
        with st.container(border=True):
            if row is not None and row.verified_at is not None:
                st.markdown(f"{title}: **{escape(row.address)}** — подтверждено")
            elif row is not None:
                st.markdown(f"{title}: **{escape(row.address)}** — ждёт кода подтверждения")
                with st.form(f"confirm_{channel}", border=False):
                    code = st.text_input("Код из сообщения", max_chars=6)
                    if st.form_submit_button("Подтвердить"):
                        act(actor, partial(contacts.confirm_contact, actor=actor,
                                           channel=channel, code=code), "Адрес подтверждён.")
            with st.form(f"address_{channel}", border=False):
                address = st.text_input(
                    f"{title}: новый адрес" if row else title, placeholder=_PLACEHOLDERS[channel]
                )
                if st.form_submit_button("Прислать код"):
                    act(actor, partial(contacts.request_verification, actor=actor,
                                       channel=channel, address=address),
                        "Код отправлен: введите его здесь, когда он придёт.")


def preference_form(actor: Actor) -> None:
    """Channels, topics, how often, the digest hour and quiet hours."""
    with db_read(actor) as session:
        current = my_preferences(session, actor)
    with st.form("notification_preferences"):
        email = st.checkbox("Письма на электронную почту", value=current.email)
        sms = st.checkbox("SMS", value=current.sms)
        cadences = list(Cadence)
        cadence = st.radio("Как часто", cadences, index=cadences.index(current.cadence),
                           format_func=CADENCE_TITLES.__getitem__, horizontal=True)
        digest_hour = st.selectbox("Время сводки", _HOURS, index=current.digest_hour,
                                   format_func=lambda h: f"{h:02d}:00")
        wanted = multi_picker(
            "О чём сообщать", list(Topic), key="notify_topics",
            default=[t for t in Topic if current.wants(t)],
            format_func=TOPIC_TITLES.__getitem__,
        )
        left, right = st.columns(2)
        quiet_from = left.selectbox("Тихие часы: с", _HOURS, index=current.quiet_from,
                                    format_func=lambda h: f"{h:02d}:00")
        quiet_to = right.selectbox("до", _HOURS, index=current.quiet_to,
                                   format_func=lambda h: f"{h:02d}:00")
        st.caption("В тихие часы сообщения ждут утра; сразу приходит только срочное — "
                   "отмена первого урока завтра. Сообщения классного руководителя приходят сразу.")
        if st.form_submit_button("Сохранить"):
            chosen = Preferences(
                email=email, sms=sms, muted_topics=frozenset(set(Topic) - set(wanted)),
                cadence=cadence, digest_hour=digest_hour, quiet_from=quiet_from,
                quiet_to=quiet_to,
            )
            act(actor, lambda s: save_preferences(s, actor, preferences=chosen),
                "Настройки уведомлений сохранены.")
