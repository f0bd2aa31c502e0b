"""The log of access to personal data: who opened which student's card, class list, extract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, aliased

from klassruk.access.permissions import Action, Actor, require
from klassruk.models.accounts import UserAccount
from klassruk.models.incidents import DataAccess, DataAccessLog
from klassruk.models.school import Enrolment, SchoolClass, Student
from klassruk.services.accounts.users import folded


def record_access(
    session: Session,
    actor: Actor,
    *,
    kind: DataAccess,
    student_id: int | None = None,
    class_id: int | None = None,
) -> None:
    """One narrow row, written with a single INSERT: no ORM object, no audit row."""
    session.execute(
        insert(DataAccessLog).values(
            user_id=actor.user_id, kind=kind, student_id=student_id, class_id=class_id
        )
    )


@dataclass(frozen=True)
class AccessRow:
    """One opening of personal data."""

    at: datetime
    who: str
    kind: DataAccess
    student: str | None
    class_name: str | None


def access_log(
    session: Session,
    actor: Actor,
    *,
    student_id: int | None = None,
    user_id: int | None = None,
    limit: int = 500,
) -> list[AccessRow]:
    """Openings of one student's data (their card, and their classes' lists) or by one user."""
    require(actor, Action.VIEW_AUDIT_LOG)
    viewer = aliased(UserAccount)
    query = (
        select(
            DataAccessLog.at, viewer.display_name, DataAccessLog.kind,
            Student.last_name, Student.first_name, SchoolClass.grade, SchoolClass.letter,
        )
        .outerjoin(viewer, viewer.id == DataAccessLog.user_id)
        .outerjoin(Student, Student.id == DataAccessLog.student_id)
        .outerjoin(SchoolClass, SchoolClass.id == DataAccessLog.class_id)
        .order_by(DataAccessLog.id.desc())
        .limit(limit)
    )
    if student_id is not None:
        classes = select(Enrolment.class_id).where(Enrolment.student_id == student_id)
        query = query.where(
            or_(
                DataAccessLog.student_id == student_id,
                DataAccessLog.student_id.is_(None) & DataAccessLog.class_id.in_(classes),
            )
        )
    if user_id is not None:
        query = query.where(DataAccessLog.user_id == user_id)
    return [
        AccessRow(
            at=at,
            who=who or "—",
            kind=kind,
            student=f"{last} {first}" if last else None,
            class_name=f"{grade}{letter}" if grade else None,
        )
        for at, who, kind, last, first, grade, letter in session.execute(query)
    ]


@dataclass(frozen=True)
class StudentChoice:
    """A student for the log's picker."""

    student_id: int
    name: str


def find_students(session: Session, actor: Actor, *, search: str) -> list[StudentChoice]:
    """Students whose name contains the fragment (any case, ё as е), for the admin's picker."""
    require(actor, Action.VIEW_AUDIT_LOG)
    needle = search.strip().lower().replace("ё", "е")
    if not needle:
        return []
    full = Student.last_name + " " + Student.first_name
    rows = session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
        .where(folded(full).contains(needle, autoescape=True))
        .order_by(Student.last_name, Student.first_name, Student.id)
        .limit(50)
    )
    return [
        StudentChoice(sid, " ".join(part for part in (last, first, middle) if part))
        for sid, last, first, middle in rows
    ]
