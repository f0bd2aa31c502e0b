"""Paper extracts: content of the range, the register, returned slips, schedule, the PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AckChannel, AckKind, Acknowledgement, Guardian, GuardianLink, Relation
from klassruk.models.consent import ConsentState, ConsentSubject
from klassruk.models.extracts import ExtractFrequency, PaperExtract
from klassruk.models.journal import (
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    LessonChange,
    LessonChangeKind,
    PlannedTest,
    Recommendation,
)
from klassruk.pdf.extracts import render_extracts
from klassruk.services.acknowledgements.state import week_status
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.extracts import (
    Family,
    due_extracts,
    extract_register,
    mark_handed,
    mark_returned,
    print_extracts,
    set_schedule,
)
from tests.factories import actor_of
from tests.schools.journal_school import JournalSchool, build_journal_school

WEEK = (date(2026, 9, 7), date(2026, 9, 13))
ON = date(2026, 9, 15)


@pytest.fixture
def school(session) -> JournalSchool:
    school = build_journal_school(session)
    monday, wednesday = (session.get(Lesson, lesson_id) for lesson_id in school.lessons[:2])
    student = school.two.student_a
    monday.homework = "№ 12, 14 на с. 31"
    session.add_all(
        [
            Grade(lesson_id=monday.id, student_id=student, value=5, kind=GradeKind.TEST,
                  weight=2.0, created_by="teacher_a"),
            Grade(lesson_id=monday.id, student_id=student, value=4, kind=GradeKind.HOMEWORK,
                  weight=1.0, created_by="teacher_a"),
            Grade(lesson_id=wednesday.id, student_id=student, value=3,
                  kind=GradeKind.CLASSWORK, weight=1.0, created_by="teacher_a"),
            Absence(lesson_id=wednesday.id, student_id=student, mark=AbsenceMark.ILL),
            PlannedTest(group_id=school.two.group_a, subject_id=school.math,
                        planned_on=date(2026, 9, 9), title="Дроби", created_by="teacher_a"),
            LessonChange(lesson_id=wednesday.id, kind=LessonChangeKind.CANCELLATION,
                         announced_by="zavuch", reason="экскурсия"),
            Recommendation(student_id=student, subject_id=school.math,
                           staff_id=school.teacher_a_staff, text="Повторить таблицу умножения",
                           created_at=datetime(2026, 9, 10, 9, tzinfo=UTC),
                           created_by="teacher_a"),
        ]
    )
    session.flush()
    return school


def _print(session, school, login="ct_a", **kwargs):
    actor = actor_of(session, login)
    session.info["actor"] = actor
    kwargs.setdefault("date_from", WEEK[0])
    kwargs.setdefault("date_to", WEEK[1])
    kwargs.setdefault("now", datetime(2026, 9, 15, 8, tzinfo=UTC))
    return print_extracts(session, actor, class_id=school.two.class_a, on=ON, **kwargs)


def test_the_paper_list_gets_an_extract_of_the_range_with_everything_the_family_must_see(
    session, school
):
    (extract,) = _print(session, school)
    assert extract.student == "Орлов Пётр" and extract.guardian == "Орлова Елена"
    (math,) = extract.subjects
    assert [(g.on, g.value, g.kind) for g in math.grades] == [
        (date(2026, 9, 7), 5, GradeKind.TEST),
        (date(2026, 9, 7), 4, GradeKind.HOMEWORK),
        (date(2026, 9, 9), 3, GradeKind.CLASSWORK),
    ]
    assert math.average == 4.25 and math.absences == 1
    assert [line.text for line in extract.homework] == ["№ 12, 14 на с. 31"]
    assert [line.text for line in extract.tests] == ["Дроби"]
    assert "отмена урока" in extract.changes[0].text
    assert extract.recommendations[0].text.startswith("Повторить таблицу умножения")
    assert [line.text for line in extract.absences] == ["Б — болел(а)"]
    row = session.get(PaperExtract, extract.number)
    assert row.printed_by == "ct_a" and len(row.covered["grades"]) == 3
    assert (row.date_from, row.date_to) == WEEK


def test_the_pdf_holds_the_grades_and_the_tear_off_slip(session, school):
    extracts = _print(session, school)
    pdf = render_extracts(extracts, school_name="Школа № 7", timezone="Europe/Moscow")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    number = extracts[0].number
    assert f"Выписка из электронного журнала № {number}" in text
    # A week gets a column per day, as an e-diary shows it.
    assert "Пн 07.09" in text and "Ср 09.09" in text and "Вс 13.09" not in text
    assert "5к 4д" in text and "4,25" in text
    # The guardian (Орлова Елена) signs in her gender.
    assert "С информацией ознакомлена:" in text and f"Талон к выписке № {number}" in text
    assert "Орлова Елена" in text and "Дроби" in text


def test_a_family_with_consent_is_not_on_the_paper_list_but_may_be_chosen(session, school):
    guardian = session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == school.two.student_a)
    )
    actor = actor_of(session, "ct_a")
    session.info["actor"] = actor
    for subject, student in ((ConsentSubject.GUARDIAN_SELF, None),
                             (ConsentSubject.CHILD, school.two.student_a)):
        record_consent(session, actor, class_id=school.two.class_a, on=ON, fact=ConsentFact(
            subject, ConsentState.GIVEN, date(2026, 9, 1), "1", guardian_id=guardian,
            student_id=student))
    with pytest.raises(DomainError, match="Печатать некому"):
        _print(session, school)
    (extract,) = _print(session, school, families=[Family(guardian, school.two.student_a)])
    assert extract.guardian == "Орлова Елена"


def test_other_classes_and_bad_ranges_are_refused(session, school):
    other_guardian = session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == school.two.student_b)
    )
    with pytest.raises(PermissionDenied):
        _print(session, school, login="ct_b")
    with pytest.raises(PermissionDenied):
        _print(session, school, families=[Family(other_guardian, school.two.student_b)])
    with pytest.raises(PermissionDenied):
        _print(session, school, login="teacher_a")
    with pytest.raises(DomainError, match="позже"):
        _print(session, school, date_from=WEEK[1], date_to=WEEK[0])
    assert session.scalar(select(PaperExtract.id)) is None
    (by_period,) = _print(session, school, date_from=None, date_to=None,
                          period_id=school.open_period)
    assert by_period.period == "1 четверть"


def test_the_register_records_handing_over_and_the_returned_slip(session, school):
    (extract,) = _print(session, school)
    actor = actor_of(session, "ct_a")
    with pytest.raises(DomainError, match="в будущем"):
        mark_handed(session, actor, extract_id=extract.number, handed_on=date(2026, 9, 16),
                    on=ON)
    mark_handed(session, actor, extract_id=extract.number, handed_on=ON, on=ON)
    with pytest.raises(PermissionDenied):
        mark_returned(session, actor_of(session, "ct_b"), extract_id=extract.number,
                      returned_on=ON, on=ON)
    mark_returned(session, actor, extract_id=extract.number, returned_on=ON, on=ON)
    with pytest.raises(DomainError, match="уже отмечен"):
        mark_returned(session, actor, extract_id=extract.number, returned_on=ON, on=ON)
    (row,) = extract_register(session, actor, class_id=school.two.class_a, on=ON)
    assert (row.number, row.handed_on, row.returned_on) == (extract.number, ON, ON)
    assert extract_register(session, actor_of(session, "zavuch"), class_id=school.two.class_a,
                            on=ON)
    with pytest.raises(PermissionDenied):
        extract_register(session, actor_of(session, "ct_b"), class_id=school.two.class_a, on=ON)


def test_the_weekly_schedule_reminds_of_families_without_an_extract_for_the_last_week(
    session, school
):
    actor = actor_of(session, "ct_a")
    session.info["actor"] = actor
    assert due_extracts(session, actor, on=ON) == []
    set_schedule(session, actor, class_id=school.two.class_a,
                 frequency=ExtractFrequency.WEEKLY, starts_on=WEEK[0])
    (due,) = due_extracts(session, actor, on=ON)
    assert (due.date_from, due.date_to, len(due.families)) == (*WEEK, 1)
    assert due_extracts(session, actor_of(session, "ct_b"), on=ON) == []
    _print(session, school)
    assert due_extracts(session, actor, on=ON) == []
    with pytest.raises(PermissionDenied):
        set_schedule(session, actor_of(session, "ct_b"), class_id=school.two.class_a,
                     frequency=ExtractFrequency.PERIOD, starts_on=WEEK[0])


def test_one_extract_per_child_when_the_school_prefers_it(session, school):
    second = Guardian(last_name="Орлов", first_name="Сергей")
    session.add(second)
    session.flush()
    session.add(GuardianLink(guardian_id=second.id, student_id=school.two.student_a,
                             relation=Relation.FATHER))
    session.flush()
    assert len(_print(session, school)) == 2
    (only,) = _print(session, school, one_per_child=True)
    assert only.student_id == school.two.student_a


def test_a_returned_slip_is_a_paper_acknowledgement_of_the_weeks_and_items_it_showed(
    session, school
):
    guardian = session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == school.two.student_a)
    )
    (extract,) = _print(session, school)
    actor = actor_of(session, "ct_a")
    mark_returned(session, actor, extract_id=extract.number, returned_on=ON, on=ON)
    acks = session.scalars(select(Acknowledgement).order_by(Acknowledgement.id)).all()
    assert [(a.kind, a.week_start, a.channel, a.guardian_id) for a in acks] == [
        (AckKind.WEEK, WEEK[0], AckChannel.PAPER, guardian),
        (AckKind.RECOMMENDATION, None, AckChannel.PAPER, guardian),
    ]
    assert acks[0].user_id is None and acks[0].recorded_by_user_id == actor.user_id
    # The family's cabinet sees the paper signature, and later news as new.
    for subject, student in ((ConsentSubject.GUARDIAN_SELF, None),
                             (ConsentSubject.CHILD, school.two.student_a)):
        record_consent(session, actor, class_id=school.two.class_a, on=ON, fact=ConsentFact(
            subject, ConsentState.GIVEN, date(2026, 9, 1), "1", guardian_id=guardian,
            student_id=student))
    parent = actor_of(session, "parent_a")
    status = week_status(
        session, parent, student_id=school.two.student_a, week_start=WEEK[0], on=ON
    )
    assert status.state.channel is AckChannel.PAPER and not status.state.changed_since
    session.add(Grade(lesson_id=school.lessons[0], student_id=school.two.student_a, value=2,
                      kind=GradeKind.ORAL, weight=1.0, created_by="teacher_a"))
    session.flush()
    status = week_status(
        session, parent, student_id=school.two.student_a, week_start=WEEK[0], on=ON
    )
    assert status.state.changed_since and status.state.new_items == 1
