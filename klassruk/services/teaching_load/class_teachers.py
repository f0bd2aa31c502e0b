"""The current year's classes: their class teachers and whether they are taught without marks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import NotFound
from klassruk.models.school import SchoolClass, Staff
from klassruk.services.calendar import in_current_year
from klassruk.services.lookup import get_or_404


@dataclass(frozen=True)
class ClassTeacherRow:
    """A class of the current year, its class teacher and whether it is taught without marks."""

    class_id: int
    class_name: str
    staff_id: int | None
    class_teacher: str
    without_marks: bool = False


def class_teachers(session: Session, actor: Actor) -> list[ClassTeacherRow]:
    """Current-year classes with their class teachers."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    rows = session.execute(
        select(SchoolClass, Staff)
        .outerjoin(Staff, Staff.id == SchoolClass.class_teacher_id)
        .where(in_current_year(SchoolClass.school_year_id))
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ).all()
    return [
        ClassTeacherRow(
            c.id, c.name, s.id if s else None, s.full_name if s else "не назначен", c.without_marks
        )
        for c, s in rows
    ]


def set_class_teacher(
    session: Session, actor: Actor, *, class_id: int, staff_id: int | None
) -> SchoolClass:
    """Appoint (or clear) the class teacher of a class."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    if staff_id is not None and session.get(Staff, staff_id) is None:
        raise NotFound("Сотрудник не найден.")
    school_class.class_teacher_id = staff_id
    session.flush()
    return school_class


def set_without_marks(
    session: Session, actor: Actor, *, class_id: int, without_marks: bool
) -> SchoolClass:
    """Teach a class without marks (безотметочное обучение, as grade 1 is) or with them again.

    From then on the journal refuses numeric grades there; marks given before stay in it.
    """
    require(actor, Action.MANAGE_TEACHING_LOAD)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    school_class.without_marks = without_marks
    session.flush()
    return school_class
