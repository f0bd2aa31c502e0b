"""The activity and acknowledgement report screen: families, flags, charts, actions."""

# Usage: `draw_activity(actor)` draws the class picker, the range (a week or a period), the
# table with flags, the weekly chart, the deputy head's classes compared, and the actions on one
# family (print their extract; move them to paper by the guardian's signed statement, with a
# confirmation: components/reports/paper_route.py) and a reminder to the families that need
# attention, sent as a class message (cabinet, e-mail/SMS by their preferences, the next paper
# extract).

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.kit.feedback import reported_errors
from components.kit.pickers import class_picker, period_picker, week_navigator
from components.kit.runtime import db, db_read, school_settings
from components.kit.school import school_timezone, today
from components.kit.tables import show_table
from components.kit.text import escape
from components.kit.xlsx import xlsx_button
from components.notifications.staff import MessageDraft, ask_to_send, send_when_confirmed
from components.reports.charts import acknowledgement_rate_chart, classes_rate_chart
from components.reports.paper_route import move_to_paper
from klassruk.access.permissions import Action, Actor
from klassruk.models.families import ACK_CHANNEL_TITLES
from klassruk.models.notifications import MessageAudience
from klassruk.pdf.extracts import render_extracts
from klassruk.services.delivery import ROUTE_TITLES
from klassruk.services.extracts.printing import Family, print_extracts
from klassruk.services.notifications.messages import Audience
from klassruk.services.reports.activity import (
    ACCOUNT_STATE_TITLES,
    ActivityReport,
    FamilyRow,
    activity_report,
    flag_title,
)
from klassruk.services.reports.rates import classes_compared
from klassruk.services.scope.classes import ClassChoice
from klassruk.text.formatting import format_timestamp

EXTRACT = "activity_extract"


def _range(actor: Actor) -> tuple[date, date] | None:
    kind = st.segmented_control("За", ["Неделю", "Учебный период"], default="Неделю",
                                required=True, key="act_range")
    if kind == "Учебный период":
        period = period_picker(actor, today(), key="act_period")
        return None if period is None else (period.starts_on, period.ends_on)
    monday = week_navigator("act", today())
    return monday, monday + timedelta(days=6)


def _channels(row: FamilyRow) -> str:
    return "; ".join(f"{ACK_CHANNEL_TITLES[c]}: {n}" for c, n in row.channels.items()) or "—"


def _table(rows: list[FamilyRow]) -> dict[str, list[object]]:
    zone = school_timezone()
    return {
        "Родитель": [r.guardian for r in rows],
        "Ребёнок": [r.child for r in rows],
        "Учётная запись": [ACCOUNT_STATE_TITLES[r.account] for r in rows],
        "Последний вход": [format_timestamp(r.last_login_at, zone) for r in rows],
        # Counted in the chosen week or period, beside a last login that may be older.
        "Входов за выбранные дни": [r.logins for r in rows],
        "Разделы": [", ".join(r.sections) or "—" for r in rows],
        "Недель подтверждено": [r.weeks_acknowledged for r in rows],
        "Недель не подтверждено": [r.weeks_pending for r in rows],
        "Каналы": [_channels(r) for r in rows],
        "Важное без подтверждения": [r.pending_items for r in rows],
        "Согласие": [r.consent for r in rows],
        "Доставка": [f"{ROUTE_TITLES[r.route]} ({r.route_reason})" for r in rows],
        "Писем и SMS доставлено": [r.notifications_sent for r in rows],
        "Не доставлено": [r.notifications_failed for r in rows],
        "Обратить внимание": [
            "; ".join(flag_title(f, r.guardian) for f in r.flags) or "—" for r in rows
        ],
    }


def _print_extract(actor: Actor, chosen: ClassChoice, report: ActivityReport,
                   row: FamilyRow) -> None:
    with reported_errors():
        with db(actor) as session:
            contents = print_extracts(
                session, actor, class_id=chosen.class_id, on=today(),
                date_from=report.starts_on, date_to=min(report.ends_on, today()),
                families=[Family(row.guardian_id, row.student_id)],
            )
        settings = school_settings()
        pdf = render_extracts(contents, school_name=settings.school_name,
                              timezone=settings.timezone)
        st.session_state[EXTRACT] = (row.guardian_id, row.student_id, pdf)


def _actions(actor: Actor, chosen: ClassChoice, report: ActivityReport) -> None:
    st.markdown("**Действия с семьёй**")
    by_key = {(r.guardian_id, r.student_id): r for r in report.rows}
    key = st.selectbox("Семья", list(by_key), key="act_family",
                       format_func=lambda k: f"{by_key[k].guardian} — {by_key[k].child}")
    row = by_key[key]
    if actor.can(Action.PRINT_EXTRACTS) and st.button(
        "Напечатать выписку за выбранные недели", key="act_print", icon=":material/print:"
    ):
        _print_extract(actor, chosen, report, row)
    kept = st.session_state.get(EXTRACT)
    if kept and kept[:2] == key:
        st.download_button("Скачать выписку (PDF)", kept[2], "vypiska.pdf", "application/pdf",
                           key="act_extract_download", icon=":material/download:")
    if actor.can(Action.RECORD_CONSENT):
        move_to_paper(actor, chosen, report, row)
    if actor.can(Action.SEND_MESSAGES):
        _remind(actor, chosen, report)


REMINDER_TITLE = "Напоминание: подтвердите ознакомление"
REMIND_CONFIRM = "act_remind_confirm"
REMINDER_BODY = (
    "Пожалуйста, откройте личный кабинет Классрука и подтвердите, что ознакомились со сведениями "
    "о ребёнке (оценки, домашние задания, изменения в расписании). Если войти не получается, "
    "напишите или позвоните классному руководителю."
)


def _remind(actor: Actor, chosen: ClassChoice, report: ActivityReport) -> None:
    """Remind every family the report flags: a class message asking for «Ознакомлен(а)»."""
    flagged = frozenset(r.student_id for r in report.rows if r.flags)
    if flagged and st.button(
        f"Напомнить семьям, требующим внимания ({len(flagged)} детей)",
        key="act_remind", icon=":material/notifications:",
    ):
        audience = Audience(MessageAudience.CLASS, class_id=chosen.class_id, student_ids=flagged)
        ask_to_send(actor, REMIND_CONFIRM, audience, f"{chosen.name} класса",
                    MessageDraft(REMINDER_TITLE, REMINDER_BODY, asks_acknowledgement=True))
    send_when_confirmed(
        actor, REMIND_CONFIRM,
        "Напоминание отправлено: семьи увидят его в кабинете, получат по почте или SMS по "
        "своим настройкам, бумажные — в следующей выписке. Ход доставки — в «Сообщения семьям».",
    )


def draw_activity(actor: Actor) -> None:
    """The whole screen."""
    chosen = class_picker(actor, Action.VIEW_ACTIVITY_REPORT, key="act_class")
    span = _range(actor)
    if chosen is None or span is None:
        return
    with reported_errors():
        with db_read(actor) as session:
            report = activity_report(session, actor, class_id=chosen.class_id,
                                     starts_on=span[0], ends_on=span[1], on=today())
        flagged = [r for r in report.rows if r.flags]
        columns = st.columns(3)
        columns[0].metric("Семей (родитель и ребёнок)", len(report.rows))
        columns[1].metric("Ни разу не входили",
                          sum(1 for r in report.rows if r.last_login_at is None))
        columns[2].metric("Требуют внимания", len(flagged))
        only = st.toggle("Только требующие внимания", key="act_only_flagged")
        table = _table(flagged if only else report.rows)
        show_table(table, key="act_table")
        xlsx_button(pd.DataFrame(table), sheet="Ознакомление",
                    file_name=f"oznakomlenie_{chosen.name}.xlsx", key="act_xlsx")
        if report.rates:
            st.altair_chart(acknowledgement_rate_chart(report.rates))
        if report.rows:
            _actions(actor, chosen, report)
        if actor.is_school_wide_for(Action.VIEW_ACTIVITY_REPORT):
            with st.expander("Классы школы: подтверждение недель"):
                with db_read(actor) as session:
                    compared = classes_compared(session, actor, starts_on=span[0],
                                                ends_on=span[1], on=today())
                if compared:
                    st.altair_chart(classes_rate_chart(compared))
    st.caption(escape("Неделя считается подтверждённой, если родитель нажал «Ознакомлен(а)» "
                      "в дневнике, по ссылке из письма или подписал бумажную выписку."))
