"""Saving a class's split into subgroups for a subject, and renaming or re-staffing a group."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.school import (
    GroupKind,
    GroupMembership,
    SchoolClass,
    Staff,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.groups.proposals import SplitPlan
from klassruk.services.groups.queries import (
    StudentRef,
    enrolled_students,
    exempt_students,
    locked_class,
    subgroup_or_404,
    subject_or_404,
    subject_teacher_ids,
    year_group_names,
)
from klassruk.services.groups.schedule import Target, carry_schedule
from klassruk.services.scope.classes import require_class_scope
from klassruk.text.russian import Case, agree_with, decline_name


def check_teacher(
    session: Session, teacher_id: int | None, subject: Subject, group_name: str
) -> None:
    if teacher_id is None:
        raise DomainError(f"Группа «{group_name}»: выберите учителя.")
    if teacher_id not in subject_teacher_ids(session, subject.id):
        teacher = session.get(Staff, teacher_id)
        who = decline_name(teacher.full_name, Case.GENITIVE) if teacher else "выбранного"
        raise DomainError(
            f"Группа «{group_name}»: у учителя {who} нет предмета «{subject.name}» "
            "в учебной нагрузке. Выберите учителя этого предмета или попросите завуча "
            "внести предмет в нагрузку."
        )


def _validate_split(
    session: Session,
    school_class: SchoolClass,
    plan: SplitPlan,
    students: list[StudentRef],
    taken_names: dict[str, int],
    on: date,
) -> tuple[Subject, float, TeachingAssignment | None]:
    subject = subject_or_404(session, plan.subject_id)
    prefix = f"«{subject.name}»"
    existing = session.scalar(
        select(StudyGroup.id).where(
            StudyGroup.class_id == school_class.id,
            StudyGroup.subject_id == subject.id,
            StudyGroup.kind == GroupKind.SUBGROUP,
        )
    )
    if existing is not None:
        raise DomainError(
            f"{prefix}: класс {school_class.name} уже разделён на группы по этому предмету."
        )
    if len(plan.groups) < 2:
        raise DomainError(f"{prefix}: для деления нужно не меньше двух групп.")
    enrolled = {s.student_id: s.name for s in students}
    seen = _check_group_plans(session, school_class, subject, plan, enrolled, taken_names)
    exempt = exempt_students(session, list(enrolled), subject.id, on)
    missing = [n for sid, n in enrolled.items() if sid not in seen and sid not in exempt]
    if missing:
        raise DomainError(
            f"{prefix}: не распределены по группам: {', '.join(missing)}. "
            "Каждый обучающийся класса должен быть ровно в одной группе."
        )
    whole = session.scalar(
        select(TeachingAssignment)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .where(
            StudyGroup.class_id == school_class.id,
            StudyGroup.kind == GroupKind.WHOLE_CLASS,
            TeachingAssignment.subject_id == subject.id,
        )
    )
    hours = plan.hours_per_week or (whole.hours_per_week if whole else None)
    if hours is None or hours <= 0:
        raise DomainError(
            f"{prefix}: в нагрузке класса нет часов по этому предмету; укажите часы в неделю."
        )
    return subject, hours, whole


def _check_group_plans(
    session: Session,
    school_class: SchoolClass,
    subject: Subject,
    plan: SplitPlan,
    enrolled: dict[int, str],
    taken_names: dict[str, int],
) -> dict[int, str]:
    """Check each group's name, students and teacher; returns the group name of each student."""
    seen: dict[int, str] = {}
    for group in plan.groups:
        name = group.name.strip()
        if not name:
            raise DomainError(f"«{subject.name}»: у каждой группы должно быть название.")
        if name.casefold() in taken_names:
            raise DomainError(
                f"Группа с названием «{name}» уже есть в этом учебном году. "
                "Выберите другое название."
            )
        taken_names[name.casefold()] = 0
        if not group.student_ids:
            raise DomainError(f"Группа «{name}» пуста: в каждой группе должен быть обучающийся.")
        for student_id in group.student_ids:
            if student_id not in enrolled:
                raise DomainError(f"Группа «{name}»: обучающийся не учится в {school_class.name}.")
            if student_id in seen:
                raise DomainError(
                    f"{enrolled[student_id]} "
                    f"{agree_with(enrolled[student_id], 'записан', 'записана')} "
                    f"сразу в две группы по «{subject.name}»: "
                    f"«{seen[student_id]}» и «{name}». Оставьте одну."
                )
            seen[student_id] = name
        check_teacher(session, group.teacher_id, subject, name)
    return seen


def create_splits(
    session: Session, actor: Actor, *, class_id: int, plans: list[SplitPlan], on: date
) -> list[StudyGroup]:
    """Split the class into groups for each subject; all or nothing."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    if not plans:
        raise DomainError("Выберите хотя бы один предмет для деления на группы.")
    if len({p.subject_id for p in plans}) != len(plans):
        raise DomainError("Каждый предмет можно разделить только один раз.")
    school_class = locked_class(session, class_id)
    students = enrolled_students(session, class_id, on)
    taken = year_group_names(session, school_class.school_year_id)
    checked = [
        (plan, *_validate_split(session, school_class, plan, students, taken, on)) for plan in plans
    ]
    created: list[StudyGroup] = []
    whole_group = _whole_class_group_id(session, class_id)
    for plan, subject, hours, whole in checked:
        if whole is not None:
            session.delete(whole)
        targets: list[Target] = []
        for group_plan in plan.groups:
            group = StudyGroup(
                school_year_id=school_class.school_year_id,
                class_id=class_id,
                subject_id=subject.id,
                kind=GroupKind.SUBGROUP,
                name=group_plan.name.strip(),
            )
            session.add(group)
            session.flush()
            assert group_plan.teacher_id is not None
            session.add(
                TeachingAssignment(
                    staff_id=group_plan.teacher_id,
                    subject_id=subject.id,
                    group_id=group.id,
                    hours_per_week=hours,
                )
            )
            session.add_all(
                GroupMembership(group_id=group.id, student_id=sid, starts_on=on, ends_on=None)
                for sid in group_plan.student_ids
            )
            created.append(group)
            targets.append(Target(group.id, group_plan.teacher_id))
        if whole_group is not None:
            # The class's lessons of the subject become each group's: nobody loses a lesson.
            carry_schedule(
                session, subject_id=subject.id, sources=[whole_group], targets=targets, on=on,
                subject_name=subject.name,
            )
    session.flush()
    return created


def _whole_class_group_id(session: Session, class_id: int) -> int | None:
    return session.scalar(
        select(StudyGroup.id).where(
            StudyGroup.class_id == class_id, StudyGroup.kind == GroupKind.WHOLE_CLASS
        )
    )


def current_teacher(
    session: Session, actor: Actor, *, class_id: int, subject_id: int
) -> int | None:
    """Who teaches the subject to the whole class now: the default teacher of each new group."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    return session.scalar(
        select(TeachingAssignment.staff_id)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .where(
            StudyGroup.class_id == class_id,
            StudyGroup.kind == GroupKind.WHOLE_CLASS,
            TeachingAssignment.subject_id == subject_id,
        )
        .limit(1)
    )


def update_group(
    session: Session, actor: Actor, *, group_id: int, name: str, teacher_id: int
) -> StudyGroup:
    """Rename a subgroup or give it another teacher of the same subject."""
    group = subgroup_or_404(session, group_id)
    assert group.class_id is not None and group.subject_id is not None
    require_class_scope(session, actor, group.class_id, Action.MANAGE_STUDY_GROUPS)
    locked_class(session, group.class_id)
    name = name.strip()
    if not name:
        raise DomainError("Название группы не может быть пустым.")
    other = year_group_names(session, group.school_year_id).get(name.casefold())
    if other is not None and other != group.id:
        raise DomainError(f"Группа с названием «{name}» уже есть в этом учебном году.")
    check_teacher(session, teacher_id, subject_or_404(session, group.subject_id), name)
    assignment = session.scalar(
        select(TeachingAssignment).where(
            TeachingAssignment.group_id == group.id,
            TeachingAssignment.subject_id == group.subject_id,
        )
    )
    group.name = name
    if assignment is None:
        session.add(
            TeachingAssignment(staff_id=teacher_id, subject_id=group.subject_id, group_id=group.id)
        )
    else:
        assignment.staff_id = teacher_id
    session.flush()
    return group
