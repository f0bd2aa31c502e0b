"""Splitting a class into subgroups for a subject: proposing, saving, renaming."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.errors import DomainError
from klassruk.models import (
    GroupKind,
    GroupMembership,
    SchoolClass,
    SchoolYear,
    Staff,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.permissions import Action, Actor
from klassruk.russian import Case, agree_with, decline_name
from klassruk.services.groups.queries import (
    StudentRef,
    class_or_404,
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


class SplitMethod(enum.StrEnum):
    """How the wizard proposes the groups."""

    ALPHABETICAL = "alphabetical"
    BALANCED = "balanced"
    LAST_YEAR = "last_year"
    MANUAL = "manual"


SPLIT_METHOD_TITLES = {
    SplitMethod.ALPHABETICAL: "по алфавиту (первая половина списка, вторая половина)",
    SplitMethod.BALANCED: "поровну, через одного по списку",
    SplitMethod.LAST_YEAR: "как в прошлом учебном году",
    SplitMethod.MANUAL: "вручную",
}


@dataclass(frozen=True)
class GroupPlan:
    """One group of a split as the class teacher wants it."""

    name: str
    teacher_id: int | None
    student_ids: list[int]


@dataclass(frozen=True)
class SplitPlan:
    """A subject split into groups; hours default to the subject's whole-class load."""

    subject_id: int
    groups: list[GroupPlan]
    hours_per_week: float | None = None


@dataclass(frozen=True)
class SplitProposal:
    """Students to split and the proposed groups (lists of student ids)."""

    students: list[StudentRef]
    groups: list[list[int]]


# ---------------------------------------------------------------- proposing a split


def _previous_year_class(session: Session, school_class: SchoolClass) -> SchoolClass | None:
    year = session.get(SchoolYear, school_class.school_year_id)
    if year is None:
        return None
    previous = session.scalar(
        select(SchoolYear)
        .where(SchoolYear.ends_on < year.starts_on)
        .order_by(SchoolYear.ends_on.desc())
        .limit(1)
    )
    if previous is None:
        return None
    return session.scalar(
        select(SchoolClass).where(
            SchoolClass.school_year_id == previous.id,
            SchoolClass.grade == school_class.grade - 1,
            SchoolClass.letter == school_class.letter,
        )
    )


def propose_split(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    subject_id: int,
    groups_count: int,
    method: SplitMethod,
    on: date,
) -> SplitProposal:
    """Propose how to split the class for a subject; nothing is saved."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    if not 2 <= groups_count <= 6:
        raise DomainError("Число групп — от 2 до 6.")
    school_class = class_or_404(session, class_id)
    subject_or_404(session, subject_id)
    students = enrolled_students(session, class_id, on)
    exempt = exempt_students(session, [s.student_id for s in students], subject_id, on)
    students = [s for s in students if s.student_id not in exempt]
    ids = [s.student_id for s in students]
    groups: list[list[int]] = [[] for _ in range(groups_count)]
    if method is SplitMethod.ALPHABETICAL:
        size, extra = divmod(len(ids), groups_count)
        start = 0
        for i in range(groups_count):
            end = start + size + (1 if i < extra else 0)
            groups[i] = ids[start:end]
            start = end
    elif method is SplitMethod.BALANCED:
        for i, student_id in enumerate(ids):
            groups[i % groups_count].append(student_id)
    elif method is SplitMethod.LAST_YEAR:
        groups = _last_year_split(session, school_class, subject_id, ids, groups_count)
    return SplitProposal(students=students, groups=groups)


def _last_year_split(
    session: Session, school_class: SchoolClass, subject_id: int, ids: list[int], count: int
) -> list[list[int]]:
    previous = _previous_year_class(session, school_class)
    if previous is None:
        raise DomainError(
            f"В прошлом учебном году не было класса {school_class.grade - 1}"
            f"{school_class.letter}: выберите другой способ деления."
        )
    old_groups = list(
        session.scalars(
            select(StudyGroup.id)
            .where(
                StudyGroup.class_id == previous.id,
                StudyGroup.subject_id == subject_id,
                StudyGroup.kind == GroupKind.SUBGROUP,
            )
            .order_by(StudyGroup.name, StudyGroup.id)
        )
    )
    if not old_groups:
        raise DomainError(
            f"В прошлом году класс {previous.name} не делился на группы по этому предмету."
        )
    index_of_group = {group_id: i for i, group_id in enumerate(old_groups)}
    last_group: dict[int, int] = {}
    for student_id, group_id in session.execute(
        select(GroupMembership.student_id, GroupMembership.group_id)
        .where(GroupMembership.group_id.in_(old_groups), GroupMembership.student_id.in_(ids))
        .order_by(GroupMembership.starts_on)
    ):
        last_group[student_id] = index_of_group[group_id]
    groups: list[list[int]] = [[] for _ in range(count)]
    newcomers = []
    for student_id in ids:
        index = last_group.get(student_id)
        if index is None or index >= count:
            newcomers.append(student_id)
        else:
            groups[index].append(student_id)
    # New students (and groups that no longer exist) fill the smallest groups.
    for student_id in newcomers:
        min(groups, key=len).append(student_id)
    return groups


# ---------------------------------------------------------------- saving a split


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
