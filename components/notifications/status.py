"""«Рассылка уведомлений» for the admin: the outbox's age, the senders' health, failures."""

from __future__ import annotations

import streamlit as st

from components.kit.runtime import db_read
from components.kit.school import school_timezone
from components.kit.tables import show_table
from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.models.notifications import CHANNEL_TITLES, DELIVERY_STATUS_TITLES, DeliveryStatus
from klassruk.services.notifications.outbox import sender_status
from klassruk.text.formatting import format_timestamp

# A sender loop passes every 30 s by default: silence for 5 minutes means it is down.
SILENT_AFTER_S = 300


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} ч {minutes % 60} мин" if minutes >= 60 else f"{minutes} мин"


def health(actor: Actor) -> None:
    """Backlog, message counts by status, each sender's last pass and the latest failures."""
    zone = school_timezone()
    now = utcnow()
    with db_read(actor) as session:
        status = sender_status(session, actor)
    left, middle, right = st.columns(3)
    left.metric("Событий ждут разбора", status.events_waiting)
    oldest = _age((now - status.oldest_event_at).total_seconds()) if status.oldest_event_at else "—"
    middle.metric("Самое старое ждёт", oldest)
    right.metric("Ждут сводки или утра", status.items_held)
    show_table({
        "Состояние": [DELIVERY_STATUS_TITLES[s] for s in DeliveryStatus],
        "Сообщений": [status.by_status.get(s, 0) for s in DeliveryStatus],
    }, key="notification_counts")
    st.subheader("Процессы рассылки")
    if not status.senders:
        st.warning("Рассылка ни разу не запускалась: `python -m klassruk send`.")
    elif (now - status.senders[0][1]).total_seconds() > SILENT_AFTER_S:
        st.error(f"Рассылка молчит {_age((now - status.senders[0][1]).total_seconds())}: "
                 "проверьте процесс `python -m klassruk send`.")
    else:
        st.success("Рассылка работает.")
    show_table({
        "Процесс": [s[0] for s in status.senders],
        "Последний проход": [format_timestamp(s[1], zone) for s in status.senders],
        "Отправлено": [s[2] for s in status.senders],
        "Не доставлено": [s[3] for s in status.senders],
    }, key="notification_senders")
    st.subheader("Последние недоставленные")
    show_table({
        "Создано": [format_timestamp(f[0], zone) for f in status.failures],
        "Канал": [CHANNEL_TITLES[f[1]] for f in status.failures],
        "Тема": [f[2] for f in status.failures],
        "Причина": [f[3] for f in status.failures],
    }, key="notification_failures")
