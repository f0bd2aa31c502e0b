"""Realistic study groups for the demo school, built through the groups service."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.demo.catalogue import (
    CLASS_TEACHER_LOGIN,
    IUP_SUBJECTS,
    SPLIT_FROM_GRADE,
    SPLIT_SUBJECTS,
    STREAM_SUBJECTS,
    STUDENT_LOGIN,
)
from klassruk.models.accounts import UserAccount
from klassruk.models.school import GroupKind, SchoolClass, StudyGroup, Subject, TeachingAssignment
from klassruk.services import groups
from klassruk.services.calendar import find_current_year


def _actor(session: Session) -> Actor:
    actor = session.info.get("actor")
    return actor if isinstance(actor, Actor) else Actor.system("demo")


def _whole_class_load(session: Session, class_id: int) -> dict[int, TeachingAssignment]:
    return {
        a.subject_id: a
        for a in session.scalars(
            select(TeachingAssignment)
            .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
            .where(StudyGroup.class_id == class_id, StudyGroup.kind == GroupKind.WHOLE_CLASS)
        )
    }


def _second_teacher(session: Session, subject_id: int, first: int) -> int:
    """The least loaded other teacher of the subject for group 2 (the same one if alone)."""
    load = func.sum(TeachingAssignment.hours_per_week)
    teaches_subject = select(TeachingAssignment.staff_id).where(
        TeachingAssignment.subject_id == subject_id, TeachingAssignment.staff_id != first
    )
    other = session.scalars(
        select(TeachingAssignment.staff_id)
        .where(TeachingAssignment.staff_id.in_(teaches_subject))
        .group_by(TeachingAssignment.staff_id)
        .order_by(load, TeachingAssignment.staff_id)
    ).first()
    return other if other is not None else first


def seed_demo_groups(session: Session) -> None:
    """Split English and Informatics in grades 5+, add one stream and one individual plan."""
    actor = _actor(session)
    year = find_current_year(session)
    if year is None:
        return
    # Groups are set up at the start of the year, like the enrolments they are built from.
    on = year.starts_on
    subjects = {s.name: s for s in session.scalars(select(Subject))}
    classes = list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade, SchoolClass.letter)
        )
    )
    for school_class in classes:
        if school_class.grade < SPLIT_FROM_GRADE:
            continue
        load = _whole_class_load(session, school_class.id)
        plans = []
        for name in SPLIT_SUBJECTS:
            subject = subjects.get(name)
            if subject is None or subject.id not in load:
                continue
            proposal = groups.propose_split(
                session,
                actor,
                class_id=school_class.id,
                subject_id=subject.id,
                groups_count=2,
                method=groups.SplitMethod.ALPHABETICAL,
                on=on,
            )
            if any(not members for members in proposal.groups):
                continue
            first = load[subject.id].staff_id
            teachers = (first, _second_teacher(session, subject.id, first))
            plans.append(
                groups.SplitPlan(
                    subject_id=subject.id,
                    groups=[
                        groups.GroupPlan(
                            name=groups.default_group_name(school_class.name, subject.name, i + 1),
                            teacher_id=teachers[i],
                            student_ids=members,
                        )
                        for i, members in enumerate(proposal.groups)
                    ],
                )
            )
        if plans:
            groups.create_splits(session, actor, class_id=school_class.id, plans=plans, on=on)
    _seed_stream(session, actor, classes, subjects, on)
    _seed_individual_plan(session, actor, classes, subjects, on)


def _seed_stream(
    session: Session,
    actor: Actor,
    classes: list[SchoolClass],
    subjects: dict[str, Subject],
    on: date,
) -> None:
    tenth = [c for c in classes if c.grade == 10][:2]
    if len(tenth) < 2:
        return
    for name in STREAM_SUBJECTS:
        subject = subjects.get(name)
        load = _whole_class_load(session, tenth[0].id)
        if subject is None or subject.id not in load:
            continue
        members: list[int] = []
        for school_class in tenth:
            pupils = groups.enrolled_students(session, school_class.id, on)
            members += [p.student_id for p in pupils[: max(1, len(pupils) // 3)]]
        groups.create_stream(
            session,
            actor,
            name=f"10{tenth[0].letter}{tenth[1].letter}: {subject.name}, профильная группа",
            subject_id=subject.id,
            teacher_id=load[subject.id].staff_id,
            hours_per_week=load[subject.id].hours_per_week + 2,
            student_ids=members,
            on=on,
        )
        return


def _seed_individual_plan(
    session: Session,
    actor: Actor,
    classes: list[SchoolClass],
    subjects: dict[str, Subject],
    on: date,
) -> None:
    featured_staff = session.scalar(
        select(UserAccount.staff_id).where(UserAccount.login == CLASS_TEACHER_LOGIN)
    )
    featured_student = session.scalar(
        select(UserAccount.student_id).where(UserAccount.login == STUDENT_LOGIN)
    )
    candidates = [c for c in classes if c.class_teacher_id == featured_staff] or [
        c for c in classes if c.grade >= SPLIT_FROM_GRADE
    ]
    if not candidates:
        return
    school_class = candidates[0]
    pupils = [
        p
        for p in groups.enrolled_students(session, school_class.id, on)
        if p.student_id != featured_student
    ]
    if len(pupils) < 3:
        return
    load = _whole_class_load(session, school_class.id)
    items = [
        groups.IndividualSubject(
            subject_id=subjects[name].id,
            teacher_id=load[subjects[name].id].staff_id,
            hours_per_week=load[subjects[name].id].hours_per_week,
        )
        for name in IUP_SUBJECTS
        if name in subjects and subjects[name].id in load
    ]
    if items:
        groups.create_individual_plan(
            session,
            actor,
            student_id=pupils[-1].student_id,
            class_id=school_class.id,
            subjects=items,
            on=on,
        )
