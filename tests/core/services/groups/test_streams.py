"""Cross-class streams: created by the deputy head, deleted with an audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import (
    AuditLog,
    GroupKind,
    GroupMembership,
    StudyGroup,
    TeachingAssignment,
)
from klassruk.services import groups
from tests.core.services.groups.group_school import START
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
