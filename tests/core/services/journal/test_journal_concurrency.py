"""Concurrent journal saves in real sessions (threads, own transactions), SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.errors import Conflict, DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models.journal import AbsenceMark, Grade, GradeChange, Lesson
from klassruk.services import journal, school_settings
from klassruk.services.timetable.changes import move_lesson, substitute_teacher
from tests.concurrency import run_together
from tests.factories import SYSTEM, actor_of
from tests.schools.journal_school import JournalSchool, build_journal_school


@pytest.fixture
def school(factory):
    with unit_of_work(factory, SYSTEM) as session:
        built = build_journal_school(session)
    return built


def _scope(school: JournalSchool) -> dict[str, int]:
    return {
        "group_id": school.two.group_a,
        "subject_id": school.math,
        "period_id": school.open_period,
    }


def _reader(school: JournalSchool):
    def read(session):
        return journal.read_journal(session, SYSTEM, **_scope(school)).cells

    return read


def _writer(actor, school, key, text, reason=""):
    def write(session, shown):
        return journal.save_grid(
            session,
            actor,
            edits={key: journal.CellEdit(shown[key], text)},
            reason=reason,
            **_scope(school),
        )

    return write


def _cells(factory, school):
    with unit_of_work(factory, SYSTEM) as session:
        return journal.read_journal(session, SYSTEM, **_scope(school)).cells


@pytest.mark.parametrize("reason", ["", "Исправление"])
def test_eight_sessions_with_stale_grids_keep_all_eight_grades(factory, school, reason):
    keys = [
        (student, lesson)
        for student in (school.two.student_a, school.student_a2)
        for lesson in school.lessons[:4]
    ]
    with unit_of_work(factory, SYSTEM) as session:
        teachers = [actor_of(session, "teacher_a") for _ in keys]
    results = run_together(
        factory,
        [
            (teacher, _reader(school), _writer(teacher, school, key, str(1 + index % 5), reason))
            for index, (teacher, key) in enumerate(zip(teachers, keys, strict=True))
        ],
    )
    assert [getattr(r, "added", r) for r in results] == [1] * 8
    cells = _cells(factory, school)
    assert [cells[key] for key in keys] == [str(1 + index % 5) for index in range(8)]
    with unit_of_work(factory, SYSTEM) as session:
        assert session.scalars(select(GradeChange)).all() == []


def _one_winner(factory, school, key, first, second):
    """Teacher and substitute change the same cell at once: one wins, one gets a Conflict."""
    with unit_of_work(factory, SYSTEM) as session:
        teacher, substitute = actor_of(session, "teacher_a"), actor_of(session, "ct_b")
    results = run_together(
        factory,
        [
            (teacher, _reader(school), _writer(teacher, school, key, first, "пересдача")),
            (substitute, _reader(school), _writer(substitute, school, key, second, "пересдача")),
        ],
    )
    winners = [r for r in results if isinstance(r, journal.SaveSummary)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict), losers[0]
    won = first if results[0] is winners[0] else second
    message = str(losers[0])
    with unit_of_work(factory, SYSTEM) as session:
        lesson_date = session.get(Lesson, key[1]).lesson_date  # type: ignore[union-attr]
        history = [
            (h.old_value, h.new_value)
            for h in session.scalars(
                select(GradeChange).where(GradeChange.lesson_id == key[1]).order_by(GradeChange.id)
            )
        ]
        grades = session.scalars(
            select(Grade.value).where(Grade.lesson_id == key[1], Grade.student_id == key[0])
        ).all()
    assert "Орлов Пётр" in message
    assert lesson_date.strftime("%d.%m.%Y") in message
    assert f"сейчас «{won}»" in message
    assert losers[0].keys == frozenset({key})
    assert grades == [int(won)]
    return history


def _substitute_covers_first_lessons(factory, school, grade=None):
    """ct_b covers the first three lessons (so both may write them), each maybe with a grade."""
    with unit_of_work(factory, SYSTEM) as session:
        ct_b = actor_of(session, "ct_b")
        for lesson in school.lessons[:3]:
            substitute_teacher(
                session, SYSTEM, lesson_id=lesson, staff_id=ct_b.staff_id, reason="болезнь"
            )
            if grade is not None:
                journal.add_grade(
                    session, SYSTEM, lesson_id=lesson, student_id=school.two.student_a, value=grade
                )
    return school.lessons[:3]


def test_concurrent_change_of_one_grade_has_one_winner_and_unbroken_history(factory, school):
    for lesson in _substitute_covers_first_lessons(factory, school, grade=4):
        history = _one_winner(factory, school, (school.two.student_a, lesson), "5", "3")
        assert len(history) == 1 and history[0][0] == 4 and history[0][1] in (5, 3)


def test_the_same_empty_cell_written_at_once_gives_one_grade(factory, school):
    for lesson in _substitute_covers_first_lessons(factory, school):
        history = _one_winner(factory, school, (school.two.student_a, lesson), "5", "4")
        assert history == []


def test_same_value_typed_twice_is_not_a_conflict(factory, school):
    key = (school.two.student_a, school.lessons[0])
    with unit_of_work(factory, SYSTEM) as session:
        teacher = actor_of(session, "teacher_a")
    results = run_together(
        factory,
        [(teacher, _reader(school), _writer(teacher, school, key, "5")) for _ in range(2)],
    )
    assert sorted(r.added for r in results) == [0, 1]
    assert _cells(factory, school)[key] == "5"


def test_reason_is_needed_only_for_grades_that_were_there_when_read(session, school):
    teacher = actor_of(session, "teacher_a")
    key = (school.two.student_a, school.lessons[0])
    scope = _scope(school)
    journal.save_grid(session, teacher, edits={key: journal.CellEdit("", "4")}, **scope)
    with pytest.raises(DomainError, match="Укажите причину"):
        journal.save_grid(session, teacher, edits={key: journal.CellEdit("4", "5")}, **scope)
    # Adding to a cell keeps what was there: no reason needed.
    journal.save_grid(session, teacher, edits={key: journal.CellEdit("4", "4 5д")}, **scope)
    assert journal.read_journal(session, teacher, **scope).cells[key] == "4 5д"


def test_grades_and_absences_may_not_be_dated_after_today(session, school):
    from klassruk.models.school import ReportingPeriod, SchoolYear

    tomorrow = school_settings.school_today(session) + timedelta(days=1)
    year = session.scalar(select(SchoolYear))
    period = ReportingPeriod(
        school_year_id=year.id, name="Будущее", starts_on=tomorrow, ends_on=tomorrow
    )
    year.ends_on = max(year.ends_on, tomorrow)
    session.add(period)
    session.flush()
    teacher = actor_of(session, "teacher_a")
    lesson = Lesson(
        group_id=school.two.group_a,
        subject_id=school.math,
        staff_id=school.teacher_a_staff,
        lesson_date=tomorrow,
        number=3,
    )
    session.add(lesson)
    session.flush()
    a = school.two.student_a
    scope = {"group_id": school.two.group_a, "subject_id": school.math, "period_id": period.id}
    with pytest.raises(DomainError, match="не раньше дня урока"):
        journal.save_grid(
            session, teacher, edits={(a, lesson.id): journal.CellEdit("", "5")}, **scope
        )
    with pytest.raises(DomainError, match="не раньше дня урока"):
        journal.add_grade(session, teacher, lesson_id=lesson.id, student_id=a, value=5)
    with pytest.raises(DomainError, match="не раньше дня урока"):
        journal.set_absence(
            session, teacher, lesson_id=lesson.id, student_id=a, mark=AbsenceMark.ABSENT
        )
    assert session.scalars(select(Grade)).all() == []
    # Homework and planned tests look ahead.
    journal.save_lessons(
        session, teacher, updates=[journal.LessonUpdate(lesson.id, "", "№ 5", "", "")]
    )


def test_two_substitutions_of_one_lesson_at_once_keep_an_unbroken_history(factory, school):
    from klassruk.models.journal import LessonChange

    lesson = school.lessons[0]
    with unit_of_work(factory, SYSTEM) as session:
        deputy = actor_of(session, "zavuch")
        staff = [actor_of(session, login).staff_id for login in ("ct_a", "ct_b")]

    def substitute(staff_id):
        def write(session, _seen):
            return substitute_teacher(
                session, deputy, lesson_id=lesson, staff_id=staff_id, reason="болезнь"
            )

        return write

    results = run_together(
        factory, [(deputy, lambda _s: None, substitute(staff_id)) for staff_id in staff]
    )
    assert all(isinstance(r, LessonChange) for r in results), results
    with unit_of_work(factory, SYSTEM) as session:
        chain = [
            (c.old_staff_id, c.new_staff_id)
            for c in session.scalars(
                select(LessonChange)
                .where(LessonChange.lesson_id == lesson)
                .order_by(LessonChange.id)
            )
        ]
        now_teaching = session.get(Lesson, lesson).staff_id  # type: ignore[union-attr]
    assert chain[0][0] == school.teacher_a_staff
    assert chain[1][0] == chain[0][1]  # the second change starts where the first ended
    assert now_teaching == chain[1][1]


def test_two_lessons_moved_into_one_slot_at_once_one_is_refused(factory, school):
    from datetime import date

    with unit_of_work(factory, SYSTEM) as session:
        deputy = actor_of(session, "zavuch")

    def move(lesson_id):
        def write(session, _seen):
            return move_lesson(
                session, deputy, lesson_id=lesson_id, new_date=date(2026, 9, 17), new_number=5
            )

        return write

    results = run_together(
        factory, [(deputy, lambda _s: None, move(lesson)) for lesson in school.lessons[:2]]
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and "уже занят" in str(refused[0]), results
    with unit_of_work(factory, SYSTEM) as session:
        moved = session.scalars(
            select(Lesson.id).where(Lesson.lesson_date == date(2026, 9, 17), Lesson.number == 5)
        ).all()
    assert len(moved) == 1


def test_period_grade_set_at_once_by_two_sessions_has_one_winner(factory, school):
    from klassruk.models.journal import PeriodGrade, PeriodGradeChange

    a = school.two.student_a
    with unit_of_work(factory, SYSTEM) as session:
        teachers = [actor_of(session, "teacher_a") for _ in range(2)]

    def set_to(value):
        def write(session, shown):
            return journal.set_period_grades(
                session,
                session.info["actor"],
                values={a: value},
                expected={a: shown},
                reason="итог",
                **_scope(school),
            )

        return write

    def shown(session):
        grid = journal.read_journal(session, SYSTEM, **_scope(school))
        return next(s.period_grade for s in grid.students if s.student_id == a)

    results = run_together(
        factory, [(teacher, shown, set_to(v)) for teacher, v in zip(teachers, (4, 5), strict=True)]
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict), results
    with unit_of_work(factory, SYSTEM) as session:
        [grade] = session.scalars(select(PeriodGrade.value)).all()
        assert session.scalars(select(PeriodGradeChange)).all() == []
    assert "Орлов Пётр" in str(refused[0]) and f"сейчас {grade}" in str(refused[0])


def test_topic_written_at_once_by_two_sessions_has_one_winner(factory, school):
    lesson = school.lessons[0]
    with unit_of_work(factory, SYSTEM) as session:
        teachers = [actor_of(session, "teacher_a") for _ in range(2)]

    def write_topic(topic):
        def write(session, _seen):
            update = journal.LessonUpdate(lesson, topic, "", "", "")
            return journal.save_lessons(session, session.info["actor"], updates=[update])

        return write

    results = run_together(
        factory,
        [
            (teacher, lambda _s: None, write_topic(topic))
            for teacher, topic in zip(teachers, ("Дроби", "Проценты"), strict=True)
        ],
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict), results
    with unit_of_work(factory, SYSTEM) as session:
        topic = session.get(Lesson, lesson).topic  # type: ignore[union-attr]
    assert f"тема сейчас «{topic}»" in str(refused[0])


def test_substitute_saves_own_lesson_from_a_grid_the_teacher_changed_since(factory, school):
    first, second = _substitute_covers_first_lessons(factory, school)[:2]
    a = school.two.student_a
    with unit_of_work(factory, SYSTEM) as session:
        teacher, substitute = actor_of(session, "teacher_a"), actor_of(session, "ct_b")
        # ct_b covered only the first lesson: give the second back to its teacher.
        substitute_teacher(
            session, SYSTEM, lesson_id=second, staff_id=school.teacher_a_staff, reason="вернулась"
        )
    stale = _cells(factory, school)
    with unit_of_work(factory, teacher) as session:
        journal.save_grid(
            session, teacher, edits={(a, second): journal.CellEdit("", "4")}, **_scope(school)
        )
    with unit_of_work(factory, substitute) as session:
        saved = journal.save_grid(
            session,
            substitute,
            edits={(a, first): journal.CellEdit(stale[(a, first)], "5")},
            **_scope(school),
        )
    assert saved.added == 1
    cells = _cells(factory, school)
    assert (cells[(a, first)], cells[(a, second)]) == ("5", "4")
