"""The journal screen's other tabs: planned tests, recommendations, the grades' change history.

Each takes the `components.journal.Screen` of the run; additions go through the page kit's
`act`, so the outcome shows after the rerun and a refusal in place.
"""

from __future__ import annotations

import streamlit as st

from components.feedback import act
from components.journal import STUDENT, Screen
from components.runtime import db_read
from components.school import school_timezone, today
from components.tables import show_table
from klassruk.formatting import format_date, format_timestamp
from klassruk.services import journal


def tests_tab(screen: Screen) -> None:
    """The tests planned in the period, and a form to plan one."""
    with db_read(screen.actor) as session:
        tests = journal.planned_tests(
            session, screen.actor, period_id=screen.period_id, **screen.scope
        )
    if tests:
        show_table(
            {
                "Дата": [format_date(t.planned_on) for t in tests],
                "Контрольная работа": [t.title for t in tests],
            }
        )
    else:
        st.caption("Контрольные работы в этом периоде не запланированы.")
    if screen.grid.is_closed:
        return
    with st.form("journal_test_form", clear_on_submit=True):
        test_date = st.date_input("Дата", format="DD.MM.YYYY", key="journal_test_date")
        title = st.text_input("Тема контрольной работы", key="journal_test_title")
        if st.form_submit_button("Запланировать"):
            act(
                screen.actor,
                lambda s: journal.plan_test(
                    s, screen.actor, on=test_date, title=title, **screen.scope
                ),
                "Контрольная работа запланирована.",
            )


def advice_tab(screen: Screen) -> None:
    """A form to add a recommendation to a student's family, and those given."""
    names = {s.student_id: s.name for s in screen.grid.students}
    with st.form("journal_advice_form", clear_on_submit=True):
        student_id: int = st.selectbox(
            STUDENT, list(names), format_func=names.__getitem__, key="journal_advice_student"
        )
        text = st.text_area("Рекомендация (увидит семья)", key="journal_advice_text")
        if st.form_submit_button("Добавить рекомендацию"):
            act(
                screen.actor,
                lambda s: journal.add_recommendation(
                    s, screen.actor, student_id=student_id, text=text, on=today(),
                    **screen.scope
                ),
                "Рекомендация добавлена.",
            )
    with db_read(screen.actor) as session:
        advice = journal.recommendations(session, screen.actor, **screen.scope)
    if advice:
        zone = school_timezone()
        # The service types its timestamps loosely (object); they are aware datetimes.
        when = [format_timestamp(a.created_at, zone) for a in advice]  # type: ignore[arg-type]
        show_table(
            {
                STUDENT: [a.student for a in advice],
                "Рекомендация": [a.text for a in advice],
                "Когда": when,
            }
        )


def history_tab(screen: Screen) -> None:
    """Every change of a grade already given in the period: old, new, who, when, why."""
    with db_read(screen.actor) as session:
        history = journal.grade_history(
            session, screen.actor, period_id=screen.period_id, **screen.scope
        )
    if not history:
        st.caption("Выставленные оценки в этом периоде не менялись.")
        return
    zone = school_timezone()
    when = [format_timestamp(h.changed_at, zone) for h in history]  # type: ignore[arg-type]
    show_table(
        {
            STUDENT: [h.student for h in history],
            "Урок": [format_date(h.lesson_date) for h in history],
            "Было": [h.old for h in history],
            "Стало": [h.new for h in history],
            "Кто": [h.changed_by for h in history],
            "Когда": when,
            "Причина": [h.reason for h in history],
        }
    )
