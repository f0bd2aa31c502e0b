"""Study groups as the screens read them, and the lookups the group services share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import NotFound
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    SchoolClass,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.locking import lock_or_404, lock_rows, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.classes import active_on, require_class_scope

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


@dataclass(frozen=True)
class StudentRef:
    """A student as lists show them."""

    student_id: int
    name: str


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


# ---------------------------------------------------------------- helpers


def class_or_404(session: Session, class_id: int) -> SchoolClass:
    return get_or_404(session, SchoolClass, class_id, "Класс не найден.")


def locked_class(session: Session, class_id: int) -> SchoolClass:
    """The class, locked: saves of one class's groups wait for each other, then check."""
    return lock_or_404(session, SchoolClass, class_id, "Класс не найден.")


def subject_or_404(session: Session, subject_id: int) -> Subject:
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


def exempt_students(
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


def _whole_class_group_of(session: Session, class_id: int) -> StudyGroup | None:
    return session.scalar(
        select(StudyGroup).where(
            StudyGroup.class_id == class_id, StudyGroup.kind == GroupKind.WHOLE_CLASS
        )
    )


@read_modify_write("the class row locked before the group is looked for again and created")
def whole_class_group(session: Session, school_class: SchoolClass) -> StudyGroup:
    """The class's WHOLE_CLASS group, created on first use."""
    group = _whole_class_group_of(session, school_class.id)
    if group is None:
        # Two first uses at once: the second waits for the class, then finds the first's group.
        lock_rows(session, SchoolClass, [school_class.id])
        group = _whole_class_group_of(session, school_class.id)
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


def year_group_names(session: Session, school_year_id: int) -> dict[str, int]:
    names = session.execute(
        select(StudyGroup.name, StudyGroup.id).where(StudyGroup.school_year_id == school_year_id)
    ).all()
    return {name.casefold(): group_id for name, group_id in names}


def subject_teacher_ids(session: Session, subject_id: int) -> set[int]:
    return set(
        session.scalars(
            select(TeachingAssignment.staff_id).where(TeachingAssignment.subject_id == subject_id)
        )
    )


def default_group_name(class_name: str, subject_name: str, number: int) -> str:
    """«7А: Английский язык, гр. 1» — names are unique across the school year."""
    return f"{class_name}: {subject_name}, гр. {number}"


# ---------------------------------------------------------------- reading


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
        .where(Staff.id.in_(subject_teacher_ids(session, subject_id)))
        .order_by(Staff.last_name, Staff.first_name)
    )
    return [(s.id, s.full_name) for s in rows]


def class_groups(session: Session, actor: Actor, *, class_id: int, on: date) -> ClassGroups:
    """The class's students, split subjects with their groups, unplaced students, IUP groups."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    return _class_groups(session, class_id=class_id, on=on)


def _class_groups(session: Session, *, class_id: int, on: date) -> ClassGroups:
    school_class = class_or_404(session, class_id)
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
        exempt = exempt_students(session, list(enrolled), subject_id, on)
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


def subgroup_or_404(session: Session, group_id: int) -> StudyGroup:
    group = session.get(StudyGroup, group_id)
    if group is None or group.kind is not GroupKind.SUBGROUP or group.class_id is None:
        raise NotFound("Подгруппа не найдена.")
    return group
