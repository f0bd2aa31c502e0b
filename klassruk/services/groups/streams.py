"""Cross-class streams (потоки) set up by the deputy head."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError, NotFound
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    SchoolClass,
    Staff,
    Student,
    StudyGroup,
    TeachingAssignment,
)
from klassruk.services.calendar import in_current_year
from klassruk.services.groups.queries import (
    GroupInfo,
    StudentRef,
    subject_or_404,
    year_group_names,
)
from klassruk.services.locking import lock_name, lock_rows, read_modify_write, refuse_duplicate
from klassruk.services.scope.classes import active_on


@read_modify_write(
    "the year's group names serialised (lock_name) before the check; unique (year, name)"
)
def create_stream(
    session: Session,
    actor: Actor,
    *,
    name: str,
    subject_id: int,
    teacher_id: int,
    hours_per_week: float,
    student_ids: list[int],
    on: date,
) -> StudyGroup:
    """A cross-class stream (поток), e.g. a profile group from 10А and 10Б (deputy head)."""
    require(actor, Action.MANAGE_STREAMS)
    name = name.strip()
    subject = subject_or_404(session, subject_id)
    if not name:
        raise DomainError("Укажите название потока.")
    if not student_ids:
        raise DomainError("Поток пуст: выберите обучающихся.")
    if len(set(student_ids)) != len(student_ids):
        raise DomainError("Обучающийся выбран дважды.")
    if hours_per_week <= 0:
        raise DomainError("Часы в неделю должны быть больше нуля.")
    if session.get(Staff, teacher_id) is None:
        raise DomainError("Выберите учителя потока.")
    year_id = _stream_year(session, student_ids, on)
    # Two streams named alike at once: the second waits, then sees the first's name (the
    # unique constraint alone misses «Поток» against «поток»).
    lock_name(session, f"study-group-names:{year_id}")
    taken = f"Группа с названием «{name}» уже есть в этом учебном году."
    if name.casefold() in year_group_names(session, year_id):
        raise DomainError(taken)
    group = StudyGroup(
        school_year_id=year_id,
        class_id=None,
        subject_id=subject.id,
        kind=GroupKind.STREAM,
        name=name,
    )
    with refuse_duplicate(session, taken):
        session.add(group)
        session.flush()
    session.add(
        TeachingAssignment(
            staff_id=teacher_id,
            subject_id=subject.id,
            group_id=group.id,
            hours_per_week=hours_per_week,
        )
    )
    session.add_all(
        GroupMembership(group_id=group.id, student_id=sid, starts_on=on) for sid in student_ids
    )
    session.flush()
    return group


def _stream_year(session: Session, student_ids: list[int], on: date) -> int:
    """The current school year of the chosen students, who must come from several classes."""
    rows = session.execute(
        select(Enrolment.student_id, SchoolClass.id, SchoolClass.school_year_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(
            Enrolment.student_id.in_(student_ids),
            in_current_year(SchoolClass.school_year_id),
            active_on(Enrolment.starts_on, Enrolment.ends_on, on),
        )
    ).all()
    if len({r[0] for r in rows}) != len(student_ids):
        raise DomainError("Не все выбранные обучающиеся учатся в школе на эту дату.")
    if len({r[1] for r in rows}) < 2:
        raise DomainError(
            "Поток объединяет обучающихся нескольких классов; для одного класса "
            "классный руководитель создаёт подгруппы."
        )
    return int(rows[0][2])


def list_streams(session: Session, actor: Actor, *, on: date) -> list[GroupInfo]:
    """Current-year streams with teacher and members."""
    require(actor, Action.MANAGE_STREAMS)
    rows = session.execute(
        select(StudyGroup, TeachingAssignment, Staff)
        .outerjoin(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .outerjoin(Staff, Staff.id == TeachingAssignment.staff_id)
        .where(in_current_year(StudyGroup.school_year_id), StudyGroup.kind == GroupKind.STREAM)
        .order_by(StudyGroup.name)
    ).all()
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, student_id in session.execute(
        select(GroupMembership.group_id, GroupMembership.student_id).where(
            GroupMembership.group_id.in_([r[0].id for r in rows]),
            active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
        )
    ):
        members[group_id].append(student_id)
    return [
        GroupInfo(
            group_id=g.id,
            name=g.name,
            kind=g.kind,
            subject_id=g.subject_id,
            teacher_id=s.id if s else None,
            teacher=s.full_name if s else "не назначен",
            hours_per_week=a.hours_per_week if a else None,
            student_ids=members.get(g.id, []),
        )
        for g, a, s in rows
    ]


@read_modify_write("the stream's row locked before it is read and deleted")
def delete_stream(session: Session, actor: Actor, *, group_id: int) -> None:
    """Delete a stream created by mistake (its load and memberships go with it)."""
    require(actor, Action.MANAGE_STREAMS)
    # Locked first: a second delete waits, then finds no stream (not a crash on a gone row).
    locked = lock_rows(session, StudyGroup, [group_id])
    group = locked[0] if locked else None
    if group is None or group.kind is not GroupKind.STREAM:
        raise NotFound("Поток не найден.")
    name = group.name
    try:
        # A savepoint: a stream the journal already refers to stays whole, with a message.
        with session.begin_nested():
            # Row by row through the ORM, so the audit log keeps every deleted load and member.
            for owned in (TeachingAssignment, GroupMembership):
                for row in session.scalars(select(owned).where(owned.group_id == group_id)):
                    session.delete(row)
            session.delete(group)
            session.flush()
    except IntegrityError:
        raise DomainError(
            f"Поток «{name}» нельзя удалить: по нему уже есть расписание, уроки, контрольные "
            "или итоговые оценки. Удалить можно только поток, по которому ничего не записано."
        ) from None


def stream_candidates(session: Session, actor: Actor, *, on: date) -> list[StudentRef]:
    """Current-year students labelled with their class, for building streams."""
    require(actor, Action.MANAGE_STREAMS)
    rows = session.execute(
        select(Student, SchoolClass)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(
            in_current_year(SchoolClass.school_year_id),
            active_on(Enrolment.starts_on, Enrolment.ends_on, on),
        )
        .order_by(SchoolClass.grade, SchoolClass.letter, Student.last_name, Student.first_name)
    ).all()
    return [StudentRef(s.id, f"{s.full_name} ({c.name})") for s, c in rows]
