"""The journal screen's other tabs: planned tests, recommendations, the grades' change history."""

# Each takes the `components.journal.screen.Screen` of the run; additions go through the page kit's
# `act`, so the outcome shows after the rerun and a refusal in place.

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.orm import Session

from components.journal.screen import STUDENT, Screen
from components.kit.feedback import act, announce
from components.kit.runtime import db, db_read
from components.kit.school import school_timezone, today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.errors import DomainError
from klassruk.services import journal
from klassruk.text.formatting import format_date, format_timestamp

_SAME_DAY = "journal_test_same_day"
_CHOSEN = "journal_test_in_hand"


def _test_state(test: journal.TestRef) -> str:
    if test.cancel_reason is not None:
        return f"отменена: {test.cancel_reason}"
    return f"перенесена с {format_date(test.moved_from)}" if test.moved_from else ""


def _with_same_day_check(
    screen: Screen, describe: str, change: Callable[[Session, bool], object], outcome: str
) -> None:
    """Run `change`; if the pupils already have a test that day, ask before doing it anyway."""
    try:
        with db(screen.actor) as session:
            change(session, False)
    except journal.SameDayTest as warning:
        st.session_state[_SAME_DAY] = (describe, str(warning), change, outcome)
        st.rerun()
    except DomainError as error:
        st.error(escape(str(error)))
        return
    announce(outcome)


def _ask_same_day(screen: Screen) -> None:
    """The pending second test of a day: the warning, then «plan anyway» or «back»."""
    describe, warning, change, outcome = st.session_state[_SAME_DAY]
    st.warning(escape(warning), icon=":material/warning:")
    anyway, back = st.columns(2)
    if anyway.button(f"Всё равно: {describe}", type="primary", key="journal_test_anyway"):
        del st.session_state[_SAME_DAY]
        act(screen.actor, lambda s: change(s, True), outcome)
    if back.button("Выбрать другой день", key="journal_test_back"):
        del st.session_state[_SAME_DAY]
        st.rerun()


def tests_tab(screen: Screen) -> None:
    """The tests planned in the period; plan, move, rename or cancel one."""
    with db_read(screen.actor) as session:
        tests = journal.planned_tests(
            session, screen.actor, period_id=screen.period_id, **screen.scope
        )
    if tests:
        show_table(
            {
                "Дата": [format_date(t.planned_on) for t in tests],
                "Контрольная работа": [t.title for t in tests],
                "Изменения": [_test_state(t) for t in tests],
            }
        )
    else:
        st.caption("Контрольные работы в этом периоде не запланированы.")
    if screen.grid.is_closed:
        return
    if _SAME_DAY in st.session_state:
        _ask_same_day(screen)
        return
    with st.form("journal_test_form", clear_on_submit=True):
        test_date = st.date_input(
            "Дата", value=today(), format="DD.MM.YYYY", key="journal_test_date"
        )
        title = st.text_input("Тема контрольной работы", key="journal_test_title")
        if st.form_submit_button("Запланировать"):
            _with_same_day_check(
                screen,
                "запланировать",
                lambda s, confirmed: journal.plan_test(
                    s, screen.actor, on=test_date, title=title,
                    confirm_same_day=confirmed, **screen.scope,
                ),
                "Контрольная работа запланирована.",
            )
    active = {t.test_id: t for t in tests if not t.cancelled}
    if active:
        _change_test_form(screen, active)


def _change_test_form(screen: Screen, active: dict[int, journal.TestRef]) -> None:
    """Move, rename or cancel a planned test; families see what changed and when."""
    st.markdown("**Перенести или отменить контрольную работу**")
    # The list's labels change with a move, and Streamlit then draws a new list: the test
    # in hand is remembered here, so the next form never acts on another test.
    ids = list(active)
    kept = st.session_state.get(_CHOSEN)
    chosen: int = st.selectbox(
        "Контрольная работа", ids, index=ids.index(kept) if kept in active else 0,
        format_func=lambda i: f"{format_date(active[i].planned_on)} — {active[i].title}",
        key="journal_test_chosen",
    )
    st.session_state[_CHOSEN] = chosen
    test = active[chosen]
    # Keys name the test: another choice shows that test's date and title, not the last ones.
    with st.form("journal_test_change"):
        new_date = st.date_input(
            "Новая дата", value=test.planned_on, format="DD.MM.YYYY",
            key=f"journal_test_new_date_{test.test_id}",
        )
        new_title = st.text_input(
            "Тема", value=test.title, key=f"journal_test_new_title_{test.test_id}"
        )
        if st.form_submit_button("Сохранить изменения"):
            _with_same_day_check(
                screen,
                "перенести",
                lambda s, confirmed: journal.change_test(
                    s, screen.actor, test_id=test.test_id, on=new_date, title=new_title,
                    expected_on=test.planned_on, expected_title=test.title,
                    confirm_same_day=confirmed, **screen.scope,
                ),
                "Контрольная работа изменена; семьи увидят, что её перенесли.",
            )
    with st.form("journal_test_cancel", clear_on_submit=True):
        reason = st.text_input("Причина отмены (увидят семьи)", key="journal_test_reason")
        if st.form_submit_button("Отменить контрольную работу"):
            act(
                screen.actor,
                lambda s: journal.cancel_test(
                    s, screen.actor, test_id=test.test_id, reason=reason, **screen.scope
                ),
                f"Контрольная работа «{test.title}» отменена; семьи увидят причину.",
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
