"""Cross-class streams: created by the deputy head, deleted with an audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AuditLog
from klassruk.models.journal import Grade, GradeKind, Lesson
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    ReportingPeriod,
    StudyGroup,
    TeachingAssignment,
)
from klassruk.services import groups
from klassruk.services.journal.grid import read_journal
from tests.core.services.groups.group_school import MOVE, START
from tests.factories import act_as


def test_deputy_creates_a_cross_class_stream(session, school):
    deputy = act_as(session, "zavuch")
    members = [school.students7[0].id, school.students8[0].id]
    math = school.sid("Математика")
    kwargs = dict(
        subject_id=math, teacher_id=school.staff["Математова"].id, hours_per_week=2.0, on=START
    )
    with pytest.raises(DomainError, match="нескольких классов"):
        groups.create_stream(session, deputy, name="Профиль", student_ids=members[:1], **kwargs)
    with pytest.raises(DomainError, match="пуст"):
        groups.create_stream(session, deputy, name="Профиль", student_ids=[], **kwargs)
    with pytest.raises(PermissionDenied):
        groups.create_stream(
            session, act_as(session, "kl7"), name="Профиль", student_ids=members, **kwargs
        )
    stream = groups.create_stream(
        session, deputy, name="7-8А: Математика, профиль", student_ids=members, **kwargs
    )
    assert stream.class_id is None and stream.kind is GroupKind.STREAM
    assert groups.group_of_student_on(session, members[1], math, START).id == stream.id
    rows = groups.teachers_of_student(
        session, act_as(session, "zhukov"), student_id=members[1], on=START
    )
    assert {r.subject: r.group for r in rows}["Математика"] == "7-8А: Математика, профиль"
    listed = groups.list_streams(session, deputy, on=START)
    assert [(s.name, len(s.student_ids)) for s in listed] == [("7-8А: Математика, профиль", 2)]
    with pytest.raises(DomainError, match="уже есть"):
        groups.create_stream(
            session, deputy, name="7-8а: математика, профиль", student_ids=members, **kwargs
        )


def test_deleting_a_stream_leaves_every_deleted_row_in_the_audit_log(session, school):
    deputy = act_as(session, "zavuch")
    members = [school.students7[0].id, school.students8[0].id]
    stream = groups.create_stream(
        session,
        deputy,
        name="7-8А: Математика, профиль",
        subject_id=school.sid("Математика"),
        teacher_id=school.staff["Математова"].id,
        hours_per_week=2.0,
        student_ids=members,
        on=START,
    )
    load_ids = set(
        session.scalars(
            select(TeachingAssignment.id).where(TeachingAssignment.group_id == stream.id)
        )
    )
    membership_ids = set(
        session.scalars(select(GroupMembership.id).where(GroupMembership.group_id == stream.id))
    )
    stream_id = stream.id

    groups.delete_stream(session, deputy, group_id=stream_id)

    deleted = session.execute(
        select(AuditLog.entity, AuditLog.entity_id, AuditLog.actor_login).where(
            AuditLog.operation == "delete"
        )
    ).all()
    assert set(deleted) == {
        ("study_group", str(stream_id), "zavuch"),
        *(("teaching_assignment", str(i), "zavuch") for i in load_ids),
        *(("group_membership", str(i), "zavuch") for i in membership_ids),
    }
    assert len(membership_ids) == 2 and len(load_ids) == 1
    assert session.get(StudyGroup, stream_id) is None


def _stream_with_lessons(session, school):
    """A 7А/8А maths stream; Зайцев moves from 8А to 7А on MOVE; a grade each before and after."""
    deputy = act_as(session, "zavuch")
    mover = school.students8[1]
    members = [school.students7[0].id, school.students8[0].id, mover.id]
    math, teacher = school.sid("Математика"), school.staff["Математова"].id
    stream = groups.create_stream(
        session, deputy, name="7-8А: Математика, профиль", subject_id=math, teacher_id=teacher,
        hours_per_week=2.0, student_ids=members, on=START,
    )
    enrolment = session.scalar(select(Enrolment).where(Enrolment.student_id == mover.id))
    enrolment.ends_on = MOVE - timedelta(days=1)
    session.add(Enrolment(student_id=mover.id, class_id=school.class7.id, starts_on=MOVE))
    period = ReportingPeriod(school_year_id=school.year.id, name="2 четверть",
                             starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 28))
    before = Lesson(group_id=stream.id, subject_id=math, staff_id=teacher,
                    lesson_date=MOVE - timedelta(days=2), number=1)
    after = Lesson(group_id=stream.id, subject_id=math, staff_id=teacher,
                   lesson_date=MOVE + timedelta(days=1), number=1)
    session.add_all([period, before, after])
    session.flush()
    for lesson in (before, after):
        for student_id in members:
            session.add(Grade(lesson_id=lesson.id, student_id=student_id, value=5,
                              kind=GradeKind.CLASSWORK, weight=1.0, created_by="math"))
    session.flush()
    return stream, period, mover, (before, after)


def test_a_class_teacher_reads_a_stream_only_for_own_pupils_on_their_days(session, school):
    stream, period, mover, (before, after) = _stream_with_lessons(session, school)
    math = school.sid("Математика")
    own = act_as(session, "kl7")
    grid = read_journal(session, own, group_id=stream.id, subject_id=math, period_id=period.id)
    assert {row.student_id for row in grid.students} == {school.students7[0].id, mover.id}
    assert grid.cells[mover.id, before.id] == "" and grid.cells[mover.id, after.id] == "5"
    assert (mover.id, before.id) in grid.outside
    [mover_row] = [row for row in grid.students if row.student_id == mover.id]
    assert mover_row.grades == 1
    # 8А's class teacher sees Жуков, and Зайцев only before the move.
    other = act_as(session, "kl8")
    grid = read_journal(session, other, group_id=stream.id, subject_id=math, period_id=period.id)
    assert {row.student_id for row in grid.students} == {school.students8[0].id, mover.id}
    assert grid.cells[mover.id, before.id] == "5" and grid.cells[mover.id, after.id] == ""
    # The subject teacher and the deputy head read the whole stream.
    deputy = act_as(session, "zavuch")
    grid = read_journal(session, deputy, group_id=stream.id, subject_id=math, period_id=period.id)
    assert len(grid.students) == 3


def test_a_stream_the_journal_refers_to_is_not_deleted_and_the_refusal_is_russian(
    session, school
):
    stream, _, _, _ = _stream_with_lessons(session, school)
    with pytest.raises(DomainError, match="нельзя удалить"):
        groups.delete_stream(session, act_as(session, "zavuch"), group_id=stream.id)
    assert session.get(StudyGroup, stream.id) is not None
