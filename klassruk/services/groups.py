"""Study groups: subgroups of a class, individual plans, cross-class streams, who teaches whom.

Decisions the rest of the app relies on:

- A class has one WHOLE_CLASS group (named like the class, «7А»); it carries the teaching load of
  every subject that is not split. Its membership rows mirror the class's enrolments (the journal
  reads them): every path enrols through `enrol_student` / `enrolment_rows`, and a group created
  later is filled from the enrolments by `whole_class_group`.
- Splitting subject S in a class creates SUBGROUP groups (class_id, subject_id=S), each with one
  TeachingAssignment. The whole-class assignment of S is removed at the same time, so the
  subject is never taught twice; its hours go to every new group (each group has the full
  lessons of the subject).
- Membership rows are history: a move closes the old row on the day before the move and opens a
  new one, so `group_of_student_on` answers for any past date (the journal files grades by it).
- INDIVIDUAL groups (one student, class_id of that student) and STREAM groups (class_id None,
  several classes) take over their subjects for their members; members are exempt from the
  class's split of those subjects.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Row, Select, delete, select
from sqlalchemy.orm import Session

from klassruk.errors import DomainError, NotFound, PermissionDenied
from klassruk.models import (
    Enrolment,
    GroupKind,
    GroupMembership,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.permissions import Action, Actor, require
from klassruk.services.locking import lock_rows
from klassruk.services.lookup import get_or_404
from klassruk.services.scope import (
    OUT_OF_SCOPE,
    active_on,
    own_class_ids_query,
    require_class_scope,
    require_student_scope,
)

# Subjects Russian schools usually split into groups (shown first in the wizard).
TYPICAL_SPLIT_SUBJECTS = (
    "Иностранный язык (английский)",
    "Английский язык",
    "Немецкий язык",
    "Французский язык",
    "Иностранный язык",
    "Информатика",
    "Технология",
    "Труд (технология)",
    "Физическая культура",
)

# The more specific group wins when a student is reachable through several for one subject.
KIND_PRIORITY = {
    GroupKind.WHOLE_CLASS: 0,
    GroupKind.SUBGROUP: 1,
    GroupKind.STREAM: 2,
    GroupKind.INDIVIDUAL: 3,
}

KIND_TITLES = {
    GroupKind.WHOLE_CLASS: "весь класс",
    GroupKind.SUBGROUP: "подгруппа",
    GroupKind.STREAM: "поток",
    GroupKind.INDIVIDUAL: "индивидуальный учебный план",
}


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
class StudentRef:
    """A student as lists show them."""

    student_id: int
    name: str


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
class GroupInfo:
    """A study group with its teacher and current members."""

    group_id: int
    name: str
    kind: GroupKind
    subject_id: int | None
    teacher_id: int | None
    teacher: str
    hours_per_week: float | None
    student_ids: list[int]


@dataclass(frozen=True)
class SplitInfo:
    """A split subject of a class: its groups and the students not placed yet."""

    subject_id: int
    subject: str
    groups: list[GroupInfo]
    unplaced: list[StudentRef]


@dataclass(frozen=True)
class ClassGroups:
    """Everything the subgroup screen shows for one class."""

    class_id: int
    class_name: str
    school_year_id: int
    students: list[StudentRef]
    splits: list[SplitInfo]
    individual: list[GroupInfo] = field(default_factory=list)

    def table(self) -> list[dict[str, str]]:
        """Students × split subjects: the group of each student (or «не в группе»)."""
        group_of: dict[tuple[int, int], str] = {}
        for split in self.splits:
            for group in split.groups:
                for student_id in group.student_ids:
                    group_of[(student_id, split.subject_id)] = group.name
        individual_of = {
            student_id: group.name for group in self.individual for student_id in group.student_ids
        }
        rows = []
        for student in self.students:
            row = {"Обучающийся": student.name}
            for split in self.splits:
                row[split.subject] = group_of.get(
                    (student.student_id, split.subject_id),
                    "ИУП" if student.student_id in individual_of else "не в группе",
                )
            rows.append(row)
        return rows


@dataclass(frozen=True)
class SplitProposal:
    """Students to split and the proposed groups (lists of student ids)."""

    students: list[StudentRef]
    groups: list[list[int]]


@dataclass(frozen=True)
class TeacherRow:
    """A teacher working with a class, group or student, with the subject."""

    subject: str
    teacher: str
    group: str
    kind: GroupKind
    hours_per_week: float


@dataclass(frozen=True)
class IndividualSubject:
    """One subject of an individual curriculum with its teacher."""

    subject_id: int
    teacher_id: int
    hours_per_week: float


# ---------------------------------------------------------------- helpers


def _class(session: Session, class_id: int) -> SchoolClass:
    return get_or_404(session, SchoolClass, class_id, "Класс не найден.")


def _locked_class(session: Session, class_id: int) -> SchoolClass:
    """The class, locked: saves of one class's groups wait for each other, then check."""
    locked = lock_rows(session, SchoolClass, [class_id])
    if not locked:
        raise NotFound("Класс не найден.")
    return locked[0]


def _subject(session: Session, subject_id: int) -> Subject:
    return get_or_404(session, Subject, subject_id, "Предмет не найден.")


def enrolled_students(session: Session, class_id: int, on: date) -> list[StudentRef]:
    """Students enrolled in the class on a date, alphabetically (no scope check: internal)."""
    rows = session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(
            Enrolment.class_id == class_id, active_on(Enrolment.starts_on, Enrolment.ends_on, on)
        )
        .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id)
        .distinct()
    ).all()
    return [StudentRef(row[0], " ".join(p for p in row[1:] if p)) for row in rows]


def _exempt_students(
    session: Session, student_ids: list[int], subject_id: int, on: date
) -> set[int]:
    """Students taught `subject_id` in an individual plan or a stream instead of their class."""
    if not student_ids:
        return set()
    rows = session.scalars(
        select(GroupMembership.student_id)
        .join(StudyGroup, StudyGroup.id == GroupMembership.group_id)
        .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .where(
            GroupMembership.student_id.in_(student_ids),
            StudyGroup.kind.in_([GroupKind.INDIVIDUAL, GroupKind.STREAM]),
            TeachingAssignment.subject_id == subject_id,
            active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
        )
    )
    return set(rows)


def whole_class_group(session: Session, school_class: SchoolClass) -> StudyGroup:
    """The class's WHOLE_CLASS group, created on first use."""
    group = session.scalar(
        select(StudyGroup).where(
            StudyGroup.class_id == school_class.id, StudyGroup.kind == GroupKind.WHOLE_CLASS
        )
    )
    if group is None:
        group = StudyGroup(
            school_year_id=school_class.school_year_id,
            class_id=school_class.id,
            subject_id=None,
            kind=GroupKind.WHOLE_CLASS,
            name=school_class.name,
        )
        session.add(group)
        enrolments = session.scalars(select(Enrolment).where(Enrolment.class_id == school_class.id))
        session.add_all(
            GroupMembership(
                group=group, student_id=e.student_id, starts_on=e.starts_on, ends_on=e.ends_on
            )
            for e in enrolments
        )
        session.flush()
    return group


def enrolment_rows(
    *, student: Student, school_class: SchoolClass, whole_class: StudyGroup, on: date
) -> list[Enrolment | GroupMembership]:
    """The enrolment and the whole-class membership that go together, both from `on`."""
    return [
        Enrolment(student=student, school_class=school_class, starts_on=on),
        GroupMembership(group=whole_class, student=student, starts_on=on),
    ]


def enrol_student(
    session: Session, *, student: Student, school_class: SchoolClass, on: date
) -> None:
    """Enrol the student in the class and its whole-class group from `on` (no scope check)."""
    # The group first: creating it fills it from the enrolments already there.
    whole_class = whole_class_group(session, school_class)
    session.add_all(
        enrolment_rows(student=student, school_class=school_class, whole_class=whole_class, on=on)
    )


def _year_group_names(session: Session, school_year_id: int) -> dict[str, int]:
    names = session.execute(
        select(StudyGroup.name, StudyGroup.id).where(StudyGroup.school_year_id == school_year_id)
    ).all()
    return {name.casefold(): group_id for name, group_id in names}


def _teachers_of_subject(session: Session, subject_id: int) -> set[int]:
    return set(
        session.scalars(
            select(TeachingAssignment.staff_id).where(TeachingAssignment.subject_id == subject_id)
        )
    )


def default_group_name(class_name: str, subject_name: str, number: int) -> str:
    """«7А: Английский язык, гр. 1» — names are unique across the school year."""
    return f"{class_name}: {subject_name}, гр. {number}"


def _day_before(on: date) -> date:
    return on - timedelta(days=1)


def _end_membership(session: Session, membership: GroupMembership, on: date) -> None:
    """Close a membership so that it no longer covers `on`; drop it if it had not begun."""
    if membership.starts_on >= on:
        session.delete(membership)
    else:
        membership.ends_on = _day_before(on)


# ---------------------------------------------------------------- reading


def classes_for_groups(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The current-year classes whose groups the actor may set up (own classes, or all)."""
    require(actor, Action.MANAGE_STUDY_GROUPS)
    query = (
        select(SchoolClass)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(SchoolYear.is_current)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    )
    if not actor.is_school_wide_for(Action.MANAGE_STUDY_GROUPS):
        query = query.where(SchoolClass.id.in_(own_class_ids_query(actor)))
    return [(c.id, c.name) for c in session.scalars(query)]


def subjects_for_split(session: Session, actor: Actor, *, class_id: int) -> list[Subject]:
    """Subjects that may be split in the class: typical ones first, then the rest by name."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    subjects = list(session.scalars(select(Subject).order_by(Subject.name)))
    typical = {name: i for i, name in enumerate(TYPICAL_SPLIT_SUBJECTS)}
    return sorted(subjects, key=lambda s: (typical.get(s.name, len(typical)), s.name))


def subject_teachers(session: Session, actor: Actor, *, subject_id: int) -> list[tuple[int, str]]:
    """Teachers who have the subject in the teaching load (the only ones a group may get)."""
    require(actor, Action.MANAGE_STUDY_GROUPS)
    rows = session.scalars(
        select(Staff)
        .where(Staff.id.in_(_teachers_of_subject(session, subject_id)))
        .order_by(Staff.last_name, Staff.first_name)
    )
    return [(s.id, s.full_name) for s in rows]


def class_groups(session: Session, actor: Actor, *, class_id: int, on: date) -> ClassGroups:
    """The class's students, split subjects with their groups, unplaced students, IUP groups."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    return _class_groups(session, class_id=class_id, on=on)


def _class_groups(session: Session, *, class_id: int, on: date) -> ClassGroups:
    school_class = _class(session, class_id)
    students = enrolled_students(session, class_id, on)
    enrolled = {s.student_id for s in students}
    group_rows = session.execute(
        select(StudyGroup, Subject.name, TeachingAssignment, Staff)
        .outerjoin(Subject, Subject.id == StudyGroup.subject_id)
        .outerjoin(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .outerjoin(Staff, Staff.id == TeachingAssignment.staff_id)
        .where(
            StudyGroup.class_id == class_id,
            StudyGroup.kind.in_([GroupKind.SUBGROUP, GroupKind.INDIVIDUAL]),
        )
        .order_by(StudyGroup.name, StudyGroup.id)
    ).all()
    group_ids = {row[0].id for row in group_rows}
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, student_id in session.execute(
        select(GroupMembership.group_id, GroupMembership.student_id).where(
            GroupMembership.group_id.in_(group_ids),
            active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
        )
    ):
        if student_id in enrolled:
            members[group_id].append(student_id)
    order = {s.student_id: i for i, s in enumerate(students)}
    splits: dict[int, tuple[str, dict[int, GroupInfo]]] = {}
    individual: dict[int, GroupInfo] = {}
    for group, subject_name, assignment, staff in group_rows:
        info = GroupInfo(
            group_id=group.id,
            name=group.name,
            kind=group.kind,
            subject_id=group.subject_id,
            teacher_id=staff.id if staff else None,
            teacher=staff.full_name if staff else "не назначен",
            hours_per_week=assignment.hours_per_week if assignment else None,
            student_ids=sorted(members.get(group.id, []), key=lambda i: order.get(i, 0)),
        )
        if group.kind is GroupKind.INDIVIDUAL:
            individual.setdefault(group.id, info)
        elif group.subject_id is not None:
            splits.setdefault(group.subject_id, (subject_name or "", {}))[1].setdefault(
                group.id, info
            )
    split_infos = []
    for subject_id, (subject_name, groups) in sorted(splits.items(), key=lambda kv: kv[1][0]):
        placed = {sid for g in groups.values() for sid in g.student_ids}
        exempt = _exempt_students(session, list(enrolled), subject_id, on)
        unplaced = [s for s in students if s.student_id not in placed | exempt]
        split_infos.append(SplitInfo(subject_id, subject_name, list(groups.values()), unplaced))
    return ClassGroups(
        class_id=class_id,
        class_name=school_class.name,
        school_year_id=school_class.school_year_id,
        students=students,
        splits=split_infos,
        individual=list(individual.values()),
    )


def group_of_student_on(
    session: Session, student_id: int, subject_id: int, on: date
) -> StudyGroup | None:
    """The group that teaches the student the subject on a date (where the journal files grades).

    Individual plan beats stream beats subgroup beats the whole class.
    """
    candidates = list(
        session.scalars(
            select(StudyGroup)
            .join(GroupMembership, GroupMembership.group_id == StudyGroup.id)
            .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
            .where(
                GroupMembership.student_id == student_id,
                TeachingAssignment.subject_id == subject_id,
                active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
            )
        )
    )
    # A split subject whose group lost its teacher still files grades into the group.
    candidates += list(
        session.scalars(
            select(StudyGroup)
            .join(GroupMembership, GroupMembership.group_id == StudyGroup.id)
            .where(
                GroupMembership.student_id == student_id,
                StudyGroup.subject_id == subject_id,
                active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
            )
        )
    )
    if candidates:
        return max(candidates, key=lambda g: KIND_PRIORITY[g.kind])
    return session.scalar(
        select(StudyGroup)
        .join(Enrolment, Enrolment.class_id == StudyGroup.class_id)
        .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .where(
            Enrolment.student_id == student_id,
            active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            StudyGroup.kind == GroupKind.WHOLE_CLASS,
            TeachingAssignment.subject_id == subject_id,
        )
    )


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
    school_class = _class(session, class_id)
    _subject(session, subject_id)
    students = enrolled_students(session, class_id, on)
    exempt = _exempt_students(session, [s.student_id for s in students], subject_id, on)
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


def _check_teacher(
    session: Session, teacher_id: int | None, subject: Subject, group_name: str
) -> None:
    if teacher_id is None:
        raise DomainError(f"Группа «{group_name}»: выберите учителя.")
    if teacher_id not in _teachers_of_subject(session, subject.id):
        teacher = session.get(Staff, teacher_id)
        who = teacher.full_name if teacher else "выбранный учитель"
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
    subject = _subject(session, plan.subject_id)
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
    exempt = _exempt_students(session, list(enrolled), subject.id, on)
    seen: dict[int, str] = {}
    for group in plan.groups:
        name = group.name.strip()
        if not name:
            raise DomainError(f"{prefix}: у каждой группы должно быть название.")
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
                    f"{enrolled[student_id]} записан(а) сразу в две группы по {prefix}: "
                    f"«{seen[student_id]}» и «{name}». Оставьте одну."
                )
            seen[student_id] = name
        _check_teacher(session, group.teacher_id, subject, name)
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


def create_splits(
    session: Session, actor: Actor, *, class_id: int, plans: list[SplitPlan], on: date
) -> list[StudyGroup]:
    """Split the class into groups for each subject; all or nothing."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    if not plans:
        raise DomainError("Выберите хотя бы один предмет для деления на группы.")
    if len({p.subject_id for p in plans}) != len(plans):
        raise DomainError("Каждый предмет можно разделить только один раз.")
    school_class = _locked_class(session, class_id)
    students = enrolled_students(session, class_id, on)
    taken = _year_group_names(session, school_class.school_year_id)
    checked = [
        (plan, *_validate_split(session, school_class, plan, students, taken, on)) for plan in plans
    ]
    created: list[StudyGroup] = []
    for plan, subject, hours, whole in checked:
        if whole is not None:
            session.delete(whole)
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
    session.flush()
    return created


def _subgroup(session: Session, group_id: int) -> StudyGroup:
    group = session.get(StudyGroup, group_id)
    if group is None or group.kind is not GroupKind.SUBGROUP or group.class_id is None:
        raise NotFound("Подгруппа не найдена.")
    return group


def _active_split_membership(
    session: Session, student_id: int, class_id: int, subject_id: int, on: date
) -> GroupMembership | None:
    return session.scalar(
        select(GroupMembership)
        .join(StudyGroup, StudyGroup.id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id == student_id,
            StudyGroup.class_id == class_id,
            StudyGroup.subject_id == subject_id,
            StudyGroup.kind == GroupKind.SUBGROUP,
            active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
        )
    )


def _require_enrolled(session: Session, student_id: int, class_id: int, on: date) -> Student:
    student = session.get(Student, student_id)
    if student is None or student_id not in {
        s.student_id for s in enrolled_students(session, class_id, on)
    }:
        raise DomainError("Обучающийся не учится в этом классе на выбранную дату.")
    return student


def _placement(
    session: Session, actor: Actor, student_id: int, group_id: int, on: date
) -> tuple[StudyGroup, Student, GroupMembership | None]:
    """The target subgroup, the student, and their current group of that split (checked)."""
    target = _subgroup(session, group_id)
    assert target.class_id is not None and target.subject_id is not None
    require_class_scope(session, actor, target.class_id, Action.MANAGE_STUDY_GROUPS)
    _locked_class(session, target.class_id)
    student = _require_enrolled(session, student_id, target.class_id, on)
    current = _active_split_membership(session, student_id, target.class_id, target.subject_id, on)
    return target, student, current


def move_student(
    session: Session, actor: Actor, *, student_id: int, to_group_id: int, on: date
) -> GroupMembership:
    """Move a student to another group of the same split from `on`; the old row keeps history."""
    target, student, current = _placement(session, actor, student_id, to_group_id, on)
    if current is None:
        raise DomainError(
            f"{student.full_name} ещё не в группе по этому предмету: используйте «Распределить»."
        )
    if current.group_id == target.id:
        raise DomainError(f"{student.full_name} уже в группе «{target.name}».")
    # Rows starting after `on` would overlap the new one.
    later = session.scalar(
        select(GroupMembership.id)
        .join(StudyGroup, StudyGroup.id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id == student_id,
            StudyGroup.class_id == target.class_id,
            StudyGroup.subject_id == target.subject_id,
            GroupMembership.starts_on > on,
        )
    )
    if later is not None:
        raise DomainError("После этой даты уже есть перевод: выберите более позднюю дату.")
    ends_on = current.ends_on
    _end_membership(session, current, on)
    membership = GroupMembership(
        group_id=target.id, student_id=student_id, starts_on=on, ends_on=ends_on
    )
    session.add(membership)
    session.flush()
    return membership


def place_student(
    session: Session, actor: Actor, *, student_id: int, group_id: int, on: date
) -> GroupMembership:
    """Put a student who is not in any group of the split (e.g. a newcomer) into a group."""
    target, student, current = _placement(session, actor, student_id, group_id, on)
    if current is not None:
        raise DomainError(
            f"{student.full_name} уже в группе по этому предмету: используйте перевод."
        )
    membership = GroupMembership(group_id=target.id, student_id=student_id, starts_on=on)
    session.add(membership)
    session.flush()
    return membership


def update_group(
    session: Session, actor: Actor, *, group_id: int, name: str, teacher_id: int
) -> StudyGroup:
    """Rename a subgroup or give it another teacher of the same subject."""
    group = _subgroup(session, group_id)
    assert group.class_id is not None and group.subject_id is not None
    require_class_scope(session, actor, group.class_id, Action.MANAGE_STUDY_GROUPS)
    _locked_class(session, group.class_id)
    name = name.strip()
    if not name:
        raise DomainError("Название группы не может быть пустым.")
    other = _year_group_names(session, group.school_year_id).get(name.casefold())
    if other is not None and other != group.id:
        raise DomainError(f"Группа с названием «{name}» уже есть в этом учебном году.")
    _check_teacher(session, teacher_id, _subject(session, group.subject_id), name)
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


# ---------------------------------------------------------------- individual plans and streams


def create_individual_plan(
    session: Session,
    actor: Actor,
    *,
    student_id: int,
    class_id: int,
    subjects: list[IndividualSubject],
    on: date,
) -> StudyGroup:
    """A student on an individual curriculum: a group of one, taking over the listed subjects."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    school_class = _locked_class(session, class_id)
    student = _require_enrolled(session, student_id, class_id, on)
    if not subjects:
        raise DomainError("Укажите хотя бы один предмет индивидуального учебного плана.")
    if len({s.subject_id for s in subjects}) != len(subjects):
        raise DomainError("Предмет указан в плане дважды.")
    existing = session.scalar(
        select(StudyGroup.id)
        .join(GroupMembership, GroupMembership.group_id == StudyGroup.id)
        .where(
            StudyGroup.kind == GroupKind.INDIVIDUAL,
            StudyGroup.school_year_id == school_class.school_year_id,
            GroupMembership.student_id == student_id,
        )
    )
    if existing is not None:
        raise DomainError(f"У {student.full_name} уже есть индивидуальный учебный план.")
    name = f"ИУП: {student.full_name} ({school_class.name})"
    if name.casefold() in _year_group_names(session, school_class.school_year_id):
        raise DomainError(f"Группа с названием «{name}» уже есть в этом учебном году.")
    for item in subjects:
        if item.hours_per_week <= 0:
            raise DomainError("Часы в неделю должны быть больше нуля.")
        _check_teacher(session, item.teacher_id, _subject(session, item.subject_id), name)
    group = StudyGroup(
        school_year_id=school_class.school_year_id,
        class_id=class_id,
        subject_id=None,
        kind=GroupKind.INDIVIDUAL,
        name=name,
    )
    session.add(group)
    session.flush()
    for item in subjects:
        session.add(
            TeachingAssignment(
                staff_id=item.teacher_id,
                subject_id=item.subject_id,
                group_id=group.id,
                hours_per_week=item.hours_per_week,
            )
        )
        # The individual plan takes over: leave the class's subgroup of that subject.
        current = _active_split_membership(session, student_id, class_id, item.subject_id, on)
        if current is not None:
            _end_membership(session, current, on)
    session.add(GroupMembership(group_id=group.id, student_id=student_id, starts_on=on))
    session.flush()
    return group


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
    subject = _subject(session, subject_id)
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
    rows = session.execute(
        select(Enrolment.student_id, SchoolClass.id, SchoolClass.school_year_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(
            Enrolment.student_id.in_(student_ids),
            SchoolYear.is_current,
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
    year_id = rows[0][2]
    if name.casefold() in _year_group_names(session, year_id):
        raise DomainError(f"Группа с названием «{name}» уже есть в этом учебном году.")
    group = StudyGroup(
        school_year_id=year_id,
        class_id=None,
        subject_id=subject.id,
        kind=GroupKind.STREAM,
        name=name,
    )
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


def list_streams(session: Session, actor: Actor, *, on: date) -> list[GroupInfo]:
    """Current-year streams with teacher and members."""
    require(actor, Action.MANAGE_STREAMS)
    rows = session.execute(
        select(StudyGroup, TeachingAssignment, Staff)
        .join(SchoolYear, SchoolYear.id == StudyGroup.school_year_id)
        .outerjoin(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .outerjoin(Staff, Staff.id == TeachingAssignment.staff_id)
        .where(SchoolYear.is_current, StudyGroup.kind == GroupKind.STREAM)
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


def delete_stream(session: Session, actor: Actor, *, group_id: int) -> None:
    """Delete a stream created by mistake (its load and memberships go with it)."""
    require(actor, Action.MANAGE_STREAMS)
    group = session.get(StudyGroup, group_id)
    if group is None or group.kind is not GroupKind.STREAM:
        raise NotFound("Поток не найден.")
    session.execute(delete(TeachingAssignment).where(TeachingAssignment.group_id == group_id))
    session.execute(delete(GroupMembership).where(GroupMembership.group_id == group_id))
    session.delete(group)
    session.flush()


# ---------------------------------------------------------------- who teaches


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


def teachers_of_class(
    session: Session, actor: Actor, *, class_id: int, on: date
) -> list[TeacherRow]:
    """Every teacher working with the class: whole class, subgroups, IUP, streams of its pupils."""
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS)
    pupils = select(Enrolment.student_id).where(
        Enrolment.class_id == class_id, active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )
    streams = select(GroupMembership.group_id).where(
        GroupMembership.student_id.in_(pupils),
        active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
    )
    query = _assignment_query().where(
        (StudyGroup.class_id == class_id)
        | ((StudyGroup.kind == GroupKind.STREAM) & StudyGroup.id.in_(streams))
    )
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


def _require_student_reader(session: Session, actor: Actor, student_id: int, on: date) -> None:
    held = [a for a in (Action.VIEW_CLASS, Action.VIEW_CHILD, Action.VIEW_SELF) if actor.can(a)]
    if not held:
        require(actor, Action.VIEW_SELF)
    for action in held:
        try:
            require_student_scope(session, actor, student_id, action, on=on)
        except PermissionDenied:
            continue
        return
    raise PermissionDenied(OUT_OF_SCOPE)


def teachers_of_student(
    session: Session, actor: Actor, *, student_id: int, on: date
) -> list[TeacherRow]:
    """The student's teachers per subject: subgroup, stream or IUP teacher beats the class one."""
    _require_student_reader(session, actor, student_id, on)
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
    pupils = select(Enrolment.student_id).where(
        Enrolment.class_id == class_id, active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )
    streams = select(GroupMembership.group_id).where(
        GroupMembership.student_id.in_(pupils),
        active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
    )
    rows = session.scalars(
        select(StudyGroup)
        .where(
            (StudyGroup.class_id == class_id)
            | ((StudyGroup.kind == GroupKind.STREAM) & StudyGroup.id.in_(streams))
        )
        .order_by(StudyGroup.kind, StudyGroup.name)
    )
    return [GroupInfo(g.id, g.name, g.kind, g.subject_id, None, "", None, []) for g in rows]


def stream_candidates(session: Session, actor: Actor, *, on: date) -> list[StudentRef]:
    """Current-year students labelled with their class, for building streams."""
    require(actor, Action.MANAGE_STREAMS)
    rows = session.execute(
        select(Student, SchoolClass)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(SchoolYear.is_current, active_on(Enrolment.starts_on, Enrolment.ends_on, on))
        .order_by(SchoolClass.grade, SchoolClass.letter, Student.last_name, Student.first_name)
    ).all()
    return [StudentRef(s.id, f"{s.full_name} ({c.name})") for s, c in rows]
