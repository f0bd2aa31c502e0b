"""The subject teacher's journal: grades and absences grid, topics, tests, period grades."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db
from components.school import school_timezone, today
from klassruk.errors import DomainError
from klassruk.formatting import format_date, format_timestamp
from klassruk.permissions import Action
from klassruk.services import calendar, journal

STUDENT = "Обучающийся"
_VERSION = "journal_grid_version"


def _avg(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


actor = guard(Action.EDIT_JOURNAL)
st.title("Журнал")
on = today()  # before the transaction: reading the time zone opens its own
with db(actor) as session:
    assignments = journal.own_assignments(session, actor)
    periods = calendar.list_periods(session)
    current = calendar.period_for_today(session, on)
if not assignments or not periods:
    st.info("Учебная нагрузка вам не назначена или учебные периоды не заданы.")
    st.stop()

left, right = st.columns(2)
choice = left.selectbox(
    "Группа и предмет",
    range(len(assignments)),
    format_func=lambda i: assignments[i].label,
    key="journal_assignment",
)
assignment = assignments[choice]
period_ids = [p.period_id for p in periods]
period_labels = {p.period_id: p.label for p in periods}
period_id = right.selectbox(
    "Период",
    period_ids,
    index=period_ids.index(current.period_id) if current else 0,
    format_func=period_labels.__getitem__,
    key="journal_period",
)
scope = {"group_id": assignment.group_id, "subject_id": assignment.subject_id}
with db(actor) as session:
    grid = journal.read_journal(session, actor, period_id=period_id, **scope)

notice = st.session_state.pop("journal_notice", None)
if notice:
    st.success(notice)
if grid.is_closed:
    st.info(
        f"Период «{grid.period}» закрыт: журнал только для просмотра. "
        "Исправления вносит заместитель директора."
    )
if not grid.lessons:
    st.info("В этом периоде уроков у группы нет: расписание составляет заместитель директора.")
    st.stop()

labels = grid.column_labels()
version = st.session_state.get(_VERSION, 0)
# A substitute fills in only the lessons they taught: grades, absences, topics, homework.
own_lessons = {
    lesson.lesson_id for lesson in grid.lessons if lesson.staff_id == actor.staff_id
}
if assignment.substitute:
    st.info(
        "Вы замещали уроки в этой группе: заполните только свои уроки. "
        "Остальное ведёт учитель-предметник группы."
    )
tabs = st.tabs(
    ["Оценки", "Темы и задания"]
    + ([] if assignment.substitute else ["Контрольные", "За период", "Рекомендации", "История"])
)
grades_tab, lessons_tab = tabs[0], tabs[1]

with grades_tab:
    frame: dict[str, list[object]] = {STUDENT: [s.name for s in grid.students]}
    config: dict[str, object] = {STUDENT: st.column_config.TextColumn(STUDENT, disabled=True)}
    for lesson in grid.lessons:
        label = labels[lesson.lesson_id]
        frame[label] = [grid.cells[(s.student_id, lesson.lesson_id)] for s in grid.students]
        hint = lesson.topic or "тема не записана"
        if lesson.has_test:
            hint = "Контрольная работа. " + hint
        config[label] = st.column_config.TextColumn(
            label + (" К" if lesson.has_test else ""),
            help=hint,
            max_chars=20,
            disabled=grid.is_closed
            or lesson.status == "cancelled"
            or (assignment.substitute and lesson.lesson_id not in own_lessons),
        )
    frame["Средний"] = [_avg(s.average) for s in grid.students]
    frame["Взвешенный"] = [_avg(s.weighted_average) for s in grid.students]
    frame["Пропусков"] = [s.absences for s in grid.students]
    for column in ("Средний", "Взвешенный", "Пропусков"):
        config[column] = st.column_config.TextColumn(column, disabled=True)
    st.caption(
        "В клетке: оценки через пробел (5 4д 3к) и отметка о пропуске (Н, Б, УП, ОП). "
        + journal.GRADE_KIND_HELP
        + "."
    )
    edited = st.data_editor(
        pd.DataFrame(frame),
        column_config=config,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=grid.is_closed,
        key=f"journal_grid_{assignment.group_id}_{assignment.subject_id}_{period_id}_{version}",
    )
    reason = st.text_input(
        "Причина исправления (обязательна, если меняете или удаляете выставленную оценку)",
        key="journal_reason",
    )
    if st.button("Сохранить оценки", type="primary", key="journal_save"):
        cells = {
            (student.student_id, lesson.lesson_id): _text(
                edited.iloc[row][labels[lesson.lesson_id]]
            )
            for row, student in enumerate(grid.students)
            for lesson in grid.lessons
        }
        try:
            with db(actor) as session:
                saved = journal.save_grid(
                    session, actor, period_id=period_id, cells=cells, reason=reason, **scope
                )
        except DomainError as error:
            # The editor keeps what was typed: the teacher fixes the cell and saves again.
            st.error(str(error))
        else:
            st.session_state["journal_notice"] = (
                f"Сохранено: новых оценок {saved.added}, исправлено {saved.changed}, "
                f"удалено {saved.deleted}, отметок о пропусках {saved.absences}."
            )
            st.session_state[_VERSION] = version + 1
            st.session_state.pop("journal_reason", None)
            st.rerun()

with lessons_tab:
    topics = st.data_editor(
        pd.DataFrame(
            {
                "Дата": [format_date(lesson.lesson_date) for lesson in grid.lessons],
                "Урок": [lesson.number for lesson in grid.lessons],
                "Учитель": [lesson.teacher for lesson in grid.lessons],
                "Тема": [lesson.topic for lesson in grid.lessons],
                "Домашнее задание": [lesson.homework for lesson in grid.lessons],
            }
        ),
        disabled=["Дата", "Урок", "Учитель"] if not grid.is_closed else True,
        hide_index=True,
        width="stretch",
        key=f"journal_topics_{assignment.group_id}_{assignment.subject_id}_{period_id}_{version}",
    )
    if not grid.is_closed and st.button("Сохранить темы и задания", key="journal_save_topics"):
        updates = [
            journal.LessonUpdate(
                lesson.lesson_id,
                _text(topics.iloc[i]["Тема"]),
                _text(topics.iloc[i]["Домашнее задание"]),
            )
            for i, lesson in enumerate(grid.lessons)
            if not assignment.substitute or lesson.lesson_id in own_lessons
        ]
        try:
            with db(actor) as session:
                count = journal.save_lessons(session, actor, updates=updates)
        except DomainError as error:
            st.error(str(error))
        else:
            st.session_state["journal_notice"] = f"Сохранены темы и задания уроков: {count}."
            st.session_state[_VERSION] = version + 1
            st.rerun()

if assignment.substitute:
    st.stop()
tests_tab, period_tab, advice_tab, history_tab = tabs[2:]

with tests_tab:
    with db(actor) as session:
        tests = journal.planned_tests(session, actor, period_id=period_id, **scope)
    if tests:
        st.dataframe(
            pd.DataFrame(
                {
                    "Дата": [format_date(t.planned_on) for t in tests],
                    "Контрольная работа": [t.title for t in tests],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("Контрольные работы в этом периоде не запланированы.")
    if not grid.is_closed:
        with st.form("journal_test_form", clear_on_submit=True):
            test_date = st.date_input("Дата", format="DD.MM.YYYY", key="journal_test_date")
            title = st.text_input("Тема контрольной работы", key="journal_test_title")
            if st.form_submit_button("Запланировать"):
                try:
                    with db(actor) as session:
                        journal.plan_test(session, actor, on=test_date, title=title, **scope)
                except DomainError as error:
                    st.error(str(error))
                else:
                    st.session_state["journal_notice"] = "Контрольная работа запланирована."
                    st.rerun()

with period_tab:
    period_frame = st.data_editor(
        pd.DataFrame(
            {
                STUDENT: [s.name for s in grid.students],
                "Взвешенный": [_avg(s.weighted_average) for s in grid.students],
                "За период": [str(s.period_grade or "") for s in grid.students],
            }
        ),
        disabled=[STUDENT, "Взвешенный"] if not grid.is_closed else True,
        hide_index=True,
        width="stretch",
        key=f"journal_period_{assignment.group_id}_{assignment.subject_id}_{period_id}_{version}",
    )
    period_reason = st.text_input(
        "Причина (если меняете уже выставленную оценку за период)", key="journal_period_reason"
    )
    if not grid.is_closed and st.button("Сохранить оценки за период", key="journal_save_period"):
        values: dict[int, int | None] = {}
        problem = None
        for i, student in enumerate(grid.students):
            text = _text(period_frame.iloc[i]["За период"]).strip()
            if text and not (text.isdigit() and 1 <= int(text) <= 5):
                problem = f"{student.name}: «{text}» — не оценка: допустимы целые от 1 до 5."
                break
            values[student.student_id] = int(text) if text else None
        try:
            if problem:
                raise DomainError(problem + " Ничего не сохранено.")
            with db(actor) as session:
                count = journal.set_period_grades(
                    session,
                    actor,
                    period_id=period_id,
                    values=values,
                    reason=period_reason,
                    **scope,
                )
        except DomainError as error:
            st.error(str(error))
        else:
            st.session_state["journal_notice"] = f"Оценок за период сохранено: {count}."
            st.session_state[_VERSION] = version + 1
            st.rerun()

with advice_tab:
    names = {s.student_id: s.name for s in grid.students}
    with st.form("journal_advice_form", clear_on_submit=True):
        student_id = st.selectbox(
            STUDENT, list(names), format_func=names.__getitem__, key="journal_advice_student"
        )
        text = st.text_area("Рекомендация (увидит семья)", key="journal_advice_text")
        if st.form_submit_button("Добавить рекомендацию"):
            try:
                with db(actor) as session:
                    journal.add_recommendation(
                        session, actor, student_id=student_id, text=text, **scope
                    )
            except DomainError as error:
                st.error(str(error))
            else:
                st.session_state["journal_notice"] = "Рекомендация добавлена."
                st.rerun()
    with db(actor) as session:
        advice = journal.recommendations(session, actor, **scope)
    zone = school_timezone()
    if advice:
        st.dataframe(
            pd.DataFrame(
                {
                    STUDENT: [a.student for a in advice],
                    "Рекомендация": [a.text for a in advice],
                    "Когда": [format_timestamp(a.created_at, zone) for a in advice],  # type: ignore[arg-type]
                }
            ),
            hide_index=True,
            width="stretch",
        )

with history_tab:
    with db(actor) as session:
        history = journal.grade_history(session, actor, period_id=period_id, **scope)
    if not history:
        st.caption("Выставленные оценки в этом периоде не менялись.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    STUDENT: [h.student for h in history],
                    "Урок": [format_date(h.lesson_date) for h in history],
                    "Было": [h.old for h in history],
                    "Стало": [h.new for h in history],
                    "Кто": [h.changed_by for h in history],
                    "Когда": [format_timestamp(h.changed_at, zone) for h in history],  # type: ignore[arg-type]
                    "Причина": [h.reason for h in history],
                }
            ),
            hide_index=True,
            width="stretch",
        )
