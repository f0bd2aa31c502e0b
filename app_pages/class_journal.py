"""The class teacher's class journal: all subjects, read-only, with charts and students at risk."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.charts import (
    attendance_chart,
    distribution_chart,
    subject_averages_chart,
    weekly_trend_chart,
)
from components.data_access import log_access
from components.runtime import db_read
from components.school import today
from components.text import escape
from klassruk.errors import DomainError
from klassruk.formatting import format_average
from klassruk.models import DataAccess
from klassruk.permissions import Action
from klassruk.services import calendar, class_journal

actor = guard(Action.VIEW_CLASS_JOURNAL)
st.title("Журнал класса")
st.caption("Только просмотр: оценки ставят учителя-предметники.")
on = today()  # before the transaction: reading the time zone opens its own
with db_read(actor) as session:
    classes = class_journal.readable_classes(session, actor)
    periods = calendar.list_periods(session)
    current = calendar.period_for_today(session, on)
if not classes or not periods:
    st.info("Классное руководство вам не назначено или учебные периоды не заданы.")
    st.stop()
class_names = dict(classes)
period_labels = {p.period_id: p.label for p in periods}
left, right = st.columns(2)
class_id = left.selectbox(
    "Класс", list(class_names), format_func=class_names.__getitem__, key="cj_class"
)
period_ids = list(period_labels)
period_id = right.selectbox(
    "Период",
    period_ids,
    index=period_ids.index(current.period_id) if current else 0,
    format_func=period_labels.__getitem__,
    key="cj_period",
)
try:
    with db_read(actor) as session:
        summary = class_journal.class_summary(
            session, actor, class_id=class_id, period_id=period_id
        )
except DomainError as error:
    st.error(escape(str(error)))
    st.stop()
log_access(actor, DataAccess.CLASS_JOURNAL, class_id=class_id)

summary_tab, subject_tab, card_tab = st.tabs(["Сводка", "По предмету", "Карточка обучающегося"])

with summary_tab:
    if summary.at_risk:
        st.warning(
            "Требуют внимания:\n"
            + "\n".join(f"- **{escape(r.name)}** — {escape(r.reasons)}" for r in summary.at_risk)
        )
    risky = {r.student_id for r in summary.at_risk}
    table: dict[str, list[object]] = {
        "Обучающийся": [("⚠ " if sid in risky else "") + name for sid, name in summary.students]
    }
    for subject_id, subject in summary.subjects:
        table[subject] = []
        for student_id, _ in summary.students:
            cell = summary.cells.get((student_id, subject_id))
            if cell is None:
                table[subject].append("")
                continue
            text = format_average(cell.weighted_average) if cell.grades else ""
            if cell.period_grade is not None:
                text += f" [{cell.period_grade}]"
            table[subject].append(text.strip())
    totals = [summary.totals.get(sid, (None, 0, 0)) for sid, _ in summary.students]
    table["Средний взвешенный"] = [format_average(t[0]) for t in totals]
    table["Оценок"] = [t[1] for t in totals]
    table["Пропусков"] = [t[2] for t in totals]
    st.caption(
        "В клетке — средний взвешенный балл за период, в скобках — оценка за период. "
        "⚠ — средний ниже 3 или много пропусков."
    )
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
    with st.expander("Подробно: средний, взвешенный, число оценок, пропуски"):
        subject_names = dict(summary.subjects)
        student_names = dict(summary.students)
        rows = sorted(
            summary.cells.items(),
            key=lambda kv: (student_names.get(kv[0][0], ""), subject_names.get(kv[0][1], "")),
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "Обучающийся": [student_names.get(s, "") for (s, _), _ in rows],
                    "Предмет": [subject_names.get(p, "") for (_, p), _ in rows],
                    "Средний": [format_average(c.average) for _, c in rows],
                    "Средний взвешенный": [format_average(c.weighted_average) for _, c in rows],
                    "Оценок": [c.grades for _, c in rows],
                    "За период": [c.period_grade or "" for _, c in rows],
                    "Пропусков": [c.absences for _, c in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    # The charts' queries run after the table is on screen: Streamlit sends it as it is drawn.
    with db_read(actor) as session:
        charts = class_journal.class_charts(session, actor, class_id=class_id, period_id=period_id)
    chart_left, chart_right = st.columns(2)
    chart_left.altair_chart(subject_averages_chart(charts.subject_averages), width="stretch")
    chart_right.altair_chart(distribution_chart(charts.distribution), width="stretch")
    chart_left.altair_chart(weekly_trend_chart(charts.weekly), width="stretch")
    chart_right.altair_chart(attendance_chart(charts.attendance), width="stretch")

with subject_tab:
    subjects = dict(summary.subjects)
    if not subjects:
        st.info("Предметы класса пока не заданы.")
    else:
        subject_id = st.selectbox(
            "Предмет", list(subjects), format_func=subjects.__getitem__, key="cj_subject"
        )
        with db_read(actor) as session:
            grids = class_journal.subject_drilldown(
                session, actor, class_id=class_id, subject_id=subject_id, period_id=period_id
            )
        if not grids:
            st.info("Уроков по предмету в этом периоде нет.")
        for grid in grids:
            st.subheader(escape(grid.group))
            labels = grid.column_labels()
            frame: dict[str, list[object]] = {"Обучающийся": [s.name for s in grid.students]}
            for lesson in grid.lessons:
                frame[labels[lesson.lesson_id]] = [
                    grid.cells[(s.student_id, lesson.lesson_id)] for s in grid.students
                ]
            frame["Средний взвешенный"] = [
                format_average(s.weighted_average) for s in grid.students
            ]
            frame["Пропусков"] = [s.absences for s in grid.students]
            frame["За период"] = [s.period_grade or "" for s in grid.students]
            st.dataframe(pd.DataFrame(frame), hide_index=True, width="stretch")
            st.dataframe(
                pd.DataFrame(
                    {
                        "Дата": [labels[lesson.lesson_id] for lesson in grid.lessons],
                        "Учитель": [lesson.teacher for lesson in grid.lessons],
                        "Тема": [lesson.topic for lesson in grid.lessons],
                        "Домашнее задание": [lesson.homework for lesson in grid.lessons],
                        "Контрольная": ["да" if lesson.has_test else "" for lesson in grid.lessons],
                    }
                ),
                hide_index=True,
                width="stretch",
            )

with card_tab:
    students = dict(summary.students)
    if not students:
        st.info("В классе нет обучающихся.")
    else:
        student_id = st.selectbox(
            "Обучающийся", list(students), format_func=students.__getitem__, key="cj_student"
        )
        with db_read(actor) as session:
            card = class_journal.student_card(
                session, actor, student_id=student_id, period_id=period_id
            )
        log_access(actor, DataAccess.STUDENT_CARD, student_id=student_id, class_id=class_id)
        metrics = st.columns(3)
        metrics[0].metric("Средний взвешенный балл", format_average(card.weighted_average))
        metrics[1].metric("Оценок", sum(s.grades for s in card.subjects))
        metrics[2].metric("Пропусков", card.absences)
        st.dataframe(
            pd.DataFrame(
                {
                    "Предмет": [s.subject for s in card.subjects],
                    "Оценки": [s.marks for s in card.subjects],
                    "Средний": [format_average(s.average) for s in card.subjects],
                    "Средний взвешенный": [
                        format_average(s.weighted_average) for s in card.subjects
                    ],
                    "За период": [s.period_grade or "" for s in card.subjects],
                    "Пропусков": [s.absences for s in card.subjects],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        card_left, card_right = st.columns(2)
        card_left.altair_chart(
            weekly_trend_chart(card.weekly, title=f"Динамика: {card.name}"), width="stretch"
        )
        card_right.altair_chart(
            distribution_chart(card.distribution, title="Оценки обучающегося"), width="stretch"
        )
