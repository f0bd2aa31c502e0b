"""The current year's load as the screen shows it: targets, rows, teachers' totals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.models.school import (
    GroupKind,
    SchoolClass,
    Staff,
    StudyGroup,
    Subject,
    TeachingAssignment,
    full_name,
)
from klassruk.services.calendar import current_year


@dataclass(frozen=True)
class LoadEntry:
    """One saved row of the load."""

    assignment_id: int
    target: str
    kind: GroupKind
    subject: str
    teacher: str
    hours_per_week: float


def load_targets(session: Session, actor: Actor) -> list[str]:
    """Names a load row may target: current-year classes, then its groups."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    year = current_year(session)
    classes = [
        c.name
        for c in session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade, SchoolClass.letter)
        )
    ]
    groups = session.scalars(
        select(StudyGroup.name)
        .where(StudyGroup.school_year_id == year.id, StudyGroup.kind != GroupKind.WHOLE_CLASS)
        .order_by(StudyGroup.name)
    )
    return classes + list(groups)


def teaching_load(session: Session, actor: Actor) -> list[LoadEntry]:
    """The current year's load, by target and subject."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    year = current_year(session)
    rows = session.execute(
        select(TeachingAssignment, StudyGroup, Subject, Staff, SchoolClass)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(Staff, Staff.id == TeachingAssignment.staff_id)
        .outerjoin(SchoolClass, SchoolClass.id == StudyGroup.class_id)
        .where(StudyGroup.school_year_id == year.id)
        .order_by(SchoolClass.grade, SchoolClass.letter, StudyGroup.name, Subject.name)
    ).all()
    return [
        LoadEntry(
            a.id,
            c.name if g.kind is GroupKind.WHOLE_CLASS and c is not None else g.name,
            g.kind,
            subj.name,
            s.full_name,
            a.hours_per_week,
        )
        for a, g, subj, s, c in rows
    ]


@dataclass(frozen=True)
class TeacherTotal:
    """A teacher's whole load this year: hours a week and how many rows make it up."""

    teacher: str
    hours_per_week: float
    rows: int


def teacher_totals(session: Session, actor: Actor) -> list[TeacherTotal]:
    """Hours a week per teacher this year (summed in SQL), by name."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    year = current_year(session)
    rows = session.execute(
        select(
            Staff.last_name, Staff.first_name, Staff.middle_name,
            func.sum(TeachingAssignment.hours_per_week), func.count(TeachingAssignment.id),
        )
        .join(TeachingAssignment, TeachingAssignment.staff_id == Staff.id)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .where(StudyGroup.school_year_id == year.id)
        .group_by(Staff.id, Staff.last_name, Staff.first_name, Staff.middle_name)
        .order_by(Staff.last_name, Staff.first_name, Staff.middle_name)
    )
    return [
        TeacherTotal(full_name(last, first, middle), float(hours), count)
        for last, first, middle, hours, count in rows
    ]
