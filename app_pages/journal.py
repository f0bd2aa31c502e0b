"""The subject teacher's journal: grades and absences grid, topics, tests, period grades."""

from typing import Any

import pandas as pd
import streamlit as st

from components.auth import guard
from components.editing import snapshot
from components.runtime import db, db_read
from components.school import school_timezone, today
from components.text import escape
from klassruk.errors import Conflict, DomainError
from klassruk.formatting import format_date, format_timestamp
from klassruk.permissions import Action
from klassruk.services import calendar, journal

STUDENT = "Обучающийся"
_VERSION = "journal_grid_version"
_SHOWN = "journal_shown"
_CARRIED = "journal_carried"
_CONFLICT = "journal_conflict"
EDITORS = ("grid", "topics", "period")


def _avg(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


actor = guard(Action.EDIT_JOURNAL)
st.title("Журнал")
on = today()  # before the transaction: reading the time zone opens its own
with db_read(actor) as session:
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
journal_id = (assignment.group_id, assignment.subject_id, period_id)
version = st.session_state.get(_VERSION, 0)
suffix = f"{assignment.group_id}_{assignment.subject_id}_{period_id}_{version}"
grid_key, topics_key, period_key = (f"journal_{part}_{suffix}" for part in EDITORS)
carried_state = st.session_state.get(_CARRIED)
carried: dict[str, Any] = (
    carried_state if carried_state and carried_state["for"] == journal_id else {"for": journal_id}
)


def _read() -> journal.JournalGrid:
    with db_read(actor) as session:
        return journal.read_journal(session, actor, period_id=period_id, **scope)


# What the user's edits are compared with: frozen while they edit, fresh otherwise.
grid = snapshot(
    _SHOWN,
    (*journal_id, version),
    (grid_key, topics_key, period_key),
    _read,
    held=any(carried.get(part) for part in EDITORS),
)

notice = st.session_state.pop("journal_notice", None)
if notice:
    st.success(escape(notice))
conflict = st.session_state.pop(_CONFLICT, None)
if conflict:
    st.error(escape(conflict))
if grid.is_closed:
    st.info(
        f"Период «{escape(grid.period)}» закрыт: журнал только для просмотра. "
        "Исправления вносит заместитель директора."
    )
if not grid.lessons:
    st.info("В этом периоде уроков у группы нет: расписание составляет заместитель директора.")
    st.stop()

labels = grid.column_labels()
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
pending: dict[str, dict[Any, Any]] = {part: {} for part in EDITORS}
clicked = None

with grades_tab:
    kept_cells = carried.get("grid") or {}
    frame: dict[str, list[object]] = {STUDENT: [s.name for s in grid.students]}
    config: dict[str, object] = {STUDENT: st.column_config.TextColumn(STUDENT, disabled=True)}
    for lesson in grid.lessons:
        label = labels[lesson.lesson_id]
        cells = [(s.student_id, lesson.lesson_id) for s in grid.students]
        frame[label] = [kept_cells.get(cell, grid.cells[cell]) for cell in cells]
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
        key=grid_key,
    )
    for row, student in enumerate(grid.students):
        for lesson in grid.lessons:
            cell = (student.student_id, lesson.lesson_id)
            typed = _text(edited.iloc[row][labels[lesson.lesson_id]]).strip()
            if typed != grid.cells[cell]:
                pending["grid"][cell] = typed
    reason = st.text_input(
        "Причина исправления (нужна, если меняете или удаляете оценку, которая уже стояла)",
        value=carried.get("reason", ""),
        key=f"journal_reason_{version}",
    )
    grades_message = st.empty()
    if st.button("Сохранить оценки", type="primary", key="journal_save"):
        clicked = "grid"

with lessons_tab:
    kept_lessons = carried.get("topics") or {}
    shown_lessons = {
        lesson.lesson_id: kept_lessons.get(lesson.lesson_id, (lesson.topic, lesson.homework))
        for lesson in grid.lessons
    }
    topics = st.data_editor(
        pd.DataFrame(
            {
                "Дата": [format_date(lesson.lesson_date) for lesson in grid.lessons],
                "Урок": [lesson.number for lesson in grid.lessons],
                "Учитель": [lesson.teacher for lesson in grid.lessons],
                "Тема": [shown_lessons[lesson.lesson_id][0] for lesson in grid.lessons],
                "Домашнее задание": [shown_lessons[lesson.lesson_id][1] for lesson in grid.lessons],
            }
        ),
        disabled=["Дата", "Урок", "Учитель"] if not grid.is_closed else True,
        hide_index=True,
        width="stretch",
        key=topics_key,
    )
    for i, lesson in enumerate(grid.lessons):
        typed_lesson = (_text(topics.iloc[i]["Тема"]), _text(topics.iloc[i]["Домашнее задание"]))
        if typed_lesson != (lesson.topic, lesson.homework) and (
            not assignment.substitute or lesson.lesson_id in own_lessons
        ):
            pending["topics"][lesson.lesson_id] = typed_lesson
    lessons_message = st.empty()
    if not grid.is_closed and st.button("Сохранить темы и задания", key="journal_save_topics"):
        clicked = "topics"

if not assignment.substitute:
    period_tab = tabs[3]
    with period_tab:
        kept_period = carried.get("period") or {}
        period_frame = st.data_editor(
            pd.DataFrame(
                {
                    STUDENT: [s.name for s in grid.students],
                    "Взвешенный": [_avg(s.weighted_average) for s in grid.students],
                    "За период": [
                        kept_period.get(s.student_id, str(s.period_grade or ""))
                        for s in grid.students
                    ],
                }
            ),
            disabled=[STUDENT, "Взвешенный"] if not grid.is_closed else True,
            hide_index=True,
            width="stretch",
            key=period_key,
        )
        for i, student in enumerate(grid.students):
            typed_period = _text(period_frame.iloc[i]["За период"]).strip()
            if typed_period != str(student.period_grade or ""):
                pending["period"][student.student_id] = typed_period
        period_reason = st.text_input(
            "Причина (если меняете уже выставленную оценку за период)",
            value=carried.get("period_reason", ""),
            key=f"journal_period_reason_{version}",
        )
        period_message = st.empty()
        if not grid.is_closed and st.button(
            "Сохранить оценки за период", key="journal_save_period"
        ):
            clicked = "period"


def _after_save(part: str, notice: str | None, error: Conflict | None = None) -> None:
    """Reload the journal; carry the other editors' (and non-conflicting own) edits over."""
    kept = {name: dict(edits) for name, edits in pending.items() if name != part}
    if error is not None:
        kept[part] = {k: v for k, v in pending[part].items() if k not in error.keys}
        st.session_state[_CONFLICT] = str(error)
        kept["reason"] = reason
        kept["period_reason"] = period_reason if not assignment.substitute else ""
    else:
        st.session_state["journal_notice"] = notice
    st.session_state[_CARRIED] = {"for": journal_id, **kept}
    st.session_state[_VERSION] = version + 1
    st.rerun()


if clicked == "grid":
    try:
        with db(actor) as session:
            saved = journal.save_grid(
                session,
                actor,
                period_id=period_id,
                edits={
                    cell: journal.CellEdit(grid.cells[cell], typed)
                    for cell, typed in pending["grid"].items()
                },
                reason=reason,
                today=on,
                **scope,
            )
    except Conflict as error:
        _after_save("grid", None, error)
    except DomainError as error:
        # The editor keeps what was typed: the teacher fixes the cell and saves again.
        grades_message.error(escape(str(error)))
    else:
        _after_save(
            "grid",
            f"Сохранено: новых оценок {saved.added}, исправлено {saved.changed}, "
            f"удалено {saved.deleted}, отметок о пропусках {saved.absences}.",
        )
elif clicked == "topics":
    by_id = {lesson.lesson_id: lesson for lesson in grid.lessons}
    try:
        with db(actor) as session:
            count = journal.save_lessons(
                session,
                actor,
                updates=[
                    journal.LessonUpdate(
                        lesson_id, *typed, by_id[lesson_id].topic, by_id[lesson_id].homework
                    )
                    for lesson_id, typed in pending["topics"].items()
                ],
            )
    except Conflict as error:
        _after_save("topics", None, error)
    except DomainError as error:
        lessons_message.error(escape(str(error)))
    else:
        _after_save("topics", f"Сохранены темы и задания уроков: {count}.")
elif clicked == "period":
    shown_period = {s.student_id: s for s in grid.students}
    values: dict[int, int | None] = {}
    try:
        for student_id, text in pending["period"].items():
            if text and not (text.isdigit() and 1 <= int(text) <= 5):
                raise DomainError(
                    f"{shown_period[student_id].name}: «{text}» — не оценка: допустимы целые "
                    "от 1 до 5. Ничего не сохранено."
                )
            values[student_id] = int(text) if text else None
        with db(actor) as session:
            count = journal.set_period_grades(
                session,
                actor,
                period_id=period_id,
                values=values,
                expected={sid: shown_period[sid].period_grade for sid in values},
                reason=period_reason,
                **scope,
            )
    except Conflict as error:
        _after_save("period", None, error)
    except DomainError as error:
        period_message.error(escape(str(error)))
    else:
        _after_save("period", f"Оценок за период сохранено: {count}.")

if assignment.substitute:
    st.stop()
tests_tab, advice_tab, history_tab = tabs[2], tabs[4], tabs[5]

with tests_tab:
    with db_read(actor) as session:
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
                    st.error(escape(str(error)))
                else:
                    st.session_state["journal_notice"] = "Контрольная работа запланирована."
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
                st.error(escape(str(error)))
            else:
                st.session_state["journal_notice"] = "Рекомендация добавлена."
                st.rerun()
    with db_read(actor) as session:
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
    with db_read(actor) as session:
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
