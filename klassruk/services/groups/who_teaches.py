"""Who teaches a class, a group or a student (the staff page and the family cabinet)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import PermissionDenied
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    Staff,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.groups.queries import (
    KIND_PRIORITY,
    GroupInfo,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.classes import (
    OUT_OF_SCOPE,
    active_on,
    own_class_ids_query,
    require_class_scope,
)
from klassruk.services.scope.students import require_student_reader


@dataclass(frozen=True)
class TeacherRow:
    """A teacher working with a class, group or student, with the subject."""

    subject: str
    teacher: str
    group: str
    kind: GroupKind
    hours_per_week: float


def _rows(
    query_result: Iterable[Row[TeachingAssignment, Subject, Staff, StudyGroup]],
) -> list[TeacherRow]:
    return [
        TeacherRow(
            subject=subject.name,
            teacher=staff.full_name,
            group=group.name,
            kind=group.kind,
            hours_per_week=assignment.hours_per_week,
        )
        for assignment, subject, staff, group in query_result
    ]


def _assignment_query() -> Select[TeachingAssignment, Subject, Staff, StudyGroup]:
    return (
        select(TeachingAssignment, Subject, Staff, StudyGroup)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(Staff, Staff.id == TeachingAssignment.staff_id)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
    )


def _sorted(rows: list[TeacherRow]) -> list[TeacherRow]:
    return sorted(rows, key=lambda r: (r.subject, r.group, r.teacher))


def _class_or_its_streams(class_id: int, on: date) -> ColumnElement[bool]:
    """Groups of the class, and the streams its pupils attend on `on`."""
    pupils = select(Enrolment.student_id).where(
        Enrolment.class_id == class_id, active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )
    streams = select(GroupMembership.group_id).where(
        GroupMembership.student_id.in_(pupils),
        active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
    )
    return (StudyGroup.class_id == class_id) | (
        (StudyGroup.kind == GroupKind.STREAM) & StudyGroup.id.in_(streams)
    )


def teachers_of_class(
    session: Session, actor: Actor, *, class_id: int, on: date
) -> list[TeacherRow]:
    """Every teacher working with the class: whole class, subgroups, IUP, streams of its pupils."""
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS)
    query = _assignment_query().where(_class_or_its_streams(class_id, on))
    return _sorted(_rows(session.execute(query)))


def teachers_of_group(
    session: Session, actor: Actor, *, group_id: int, on: date
) -> list[TeacherRow]:
    """The teachers of one group."""
    group = get_or_404(session, StudyGroup, group_id, "Группа не найдена.")
    if group.class_id is not None:
        require_class_scope(session, actor, group.class_id, Action.VIEW_CLASS)
    else:
        require(actor, Action.VIEW_CLASS)
        if not actor.is_school_wide_for(Action.VIEW_CLASS):
            own_pupil = session.scalar(
                select(GroupMembership.id)
                .join(Enrolment, Enrolment.student_id == GroupMembership.student_id)
                .where(
                    GroupMembership.group_id == group_id,
                    Enrolment.class_id.in_(own_class_ids_query(actor)),
                    active_on(Enrolment.starts_on, Enrolment.ends_on, on),
                )
            )
            if own_pupil is None:
                raise PermissionDenied(OUT_OF_SCOPE)
    return _sorted(_rows(session.execute(_assignment_query().where(StudyGroup.id == group_id))))


def teachers_of_student(
    session: Session, actor: Actor, *, student_id: int, on: date
) -> list[TeacherRow]:
    """The student's teachers per subject: subgroup, stream or IUP teacher beats the class one."""
    require_student_reader(session, actor, student_id=student_id, on=on)
    own_groups = select(GroupMembership.group_id).where(
        GroupMembership.student_id == student_id,
        active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
    )
    own_class = select(Enrolment.class_id).where(
        Enrolment.student_id == student_id,
        active_on(Enrolment.starts_on, Enrolment.ends_on, on),
    )
    query = _assignment_query().where(
        StudyGroup.id.in_(own_groups)
        | ((StudyGroup.kind == GroupKind.WHOLE_CLASS) & StudyGroup.class_id.in_(own_class))
    )
    best: dict[str, list[TeacherRow]] = {}
    for row in _rows(session.execute(query)):
        kept = best.get(row.subject)
        if kept is None or KIND_PRIORITY[row.kind] > KIND_PRIORITY[kept[0].kind]:
            best[row.subject] = [row]
        elif KIND_PRIORITY[row.kind] == KIND_PRIORITY[kept[0].kind]:
            kept.append(row)
    return _sorted([row for rows in best.values() for row in rows])


def groups_of_class(session: Session, actor: Actor, *, class_id: int, on: date) -> list[GroupInfo]:
    """The class's groups (whole class, subgroups, IUP) and the streams its students attend."""
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS)
    rows = session.scalars(
        select(StudyGroup)
        .where(_class_or_its_streams(class_id, on))
        .order_by(StudyGroup.kind, StudyGroup.name)
    )
    return [GroupInfo(g.id, g.name, g.kind, g.subject_id, None, "", None, []) for g in rows]
