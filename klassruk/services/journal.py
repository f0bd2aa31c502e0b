"""The subject teacher's journal: grades with history, absences, topics, tests, period grades."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ScalarSelect, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from klassruk import formatting
from klassruk.errors import Conflict, DomainError, NotFound, PermissionDenied
from klassruk.formatting import format_date
from klassruk.models import (
    Enrolment,
    GroupKind,
    GroupMembership,
    ReportingPeriod,
    SchoolClass,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.models.journal import (
    GRADE_KIND_SUFFIXES,
    GRADE_KIND_TITLES,
    GRADE_KIND_WEIGHTS,
    Absence,
    AbsenceMark,
    Grade,
    GradeChange,
    GradeKind,
    Lesson,
    LessonStatus,
    PeriodGrade,
    PeriodGradeChange,
    PlannedTest,
    Recommendation,
)
from klassruk.permissions import Action, Actor, Role
from klassruk.services import calendar
from klassruk.services.locking import lock_rows
from klassruk.services.lookup import get_or_404
from klassruk.services.scope import OUT_OF_SCOPE, require_class_scope
from klassruk.setup import DEFAULT_TIMEZONE, TIMEZONE_KEY, get_setting

READ_ONLY = (
    "Журнал по этому предмету ведёт учитель-предметник группы: "
    "у вас права только на просмотр, изменения не сохранены."
)
CLOSED = "Период «{name}» закрыт: исправления вносит заместитель директора с указанием причины."
DEPUTY_OPEN_PERIOD = (
    "Заместитель директора вносит исправления только в закрытые периоды; "
    "текущие оценки ставит учитель."
)
NOT_COVERED = (
    "Как замещающий учитель вы заполняете только уроки, которые провели сами; "
    "ничего не сохранено."
)
REASON_NEEDED = "Укажите причину: изменяются или удаляются уже выставленные оценки."
MAX_ERRORS_SHOWN = 5
_SUFFIX_KIND = {suffix: kind for kind, suffix in GRADE_KIND_SUFFIXES.items()}
_GRADE_TOKEN = re.compile(r"^([1-5])([" + "".join(s for s in _SUFFIX_KIND if s) + r"]?)$")
_ABSENCE_BY_TEXT = {mark.value: mark for mark in AbsenceMark}
BAD_TOKEN = (
    "«{token}» — не оценка и не отметка: допустимы целые оценки от 1 до 5 "
    "(с буквой вида работы: д — домашняя, у — устный ответ, с — самостоятельная, "
    "к — контрольная) и отметки Н, Б, УП, ОП."
)


def weighted_average(grades: Iterable[tuple[int, float]]) -> float | None:
    """Σ(value·weight) / Σ(weight) over (value, weight) pairs; None without grades."""
    total = weight_sum = 0.0
    for value, weight in grades:
        total += value * weight
        weight_sum += weight
    return round(total / weight_sum, 2) if weight_sum else None


def default_weight(kind: GradeKind) -> float:
    """The weight a new grade of this kind gets."""
    return GRADE_KIND_WEIGHTS[kind]


# ---------------------------------------------------------------- cells: «5 4д», «Н», «ОП 5к»


@dataclass(frozen=True)
class Cell:
    """The parsed content of one grid cell."""

    grades: tuple[tuple[int, GradeKind], ...] = ()
    absence: AbsenceMark | None = None


def parse_cell(text: str | None) -> Cell:
    """Parse «5 4д», «Н», «ОП 5к»; raise DomainError naming the first bad token."""
    if text is None:
        return Cell()
    text = str(text).strip()
    if not text or text.lower() == "nan" or text == "None":
        return Cell()
    grades: list[tuple[int, GradeKind]] = []
    absence: AbsenceMark | None = None
    for token in re.split(r"[\s,;]+", text):
        if not token:
            continue
        upper = token.upper()
        if upper in _ABSENCE_BY_TEXT:
            if absence is not None:
                raise DomainError("В одной клетке может быть только одна отметка о пропуске.")
            absence = _ABSENCE_BY_TEXT[upper]
            continue
        match = _GRADE_TOKEN.match(token.lower())
        if match is None:
            raise DomainError(BAD_TOKEN.format(token=token))
        grades.append((int(match.group(1)), _SUFFIX_KIND[match.group(2)]))
    return Cell(tuple(grades), absence)


def format_cell(
    grades: Iterable[tuple[int, GradeKind | None]], absence: AbsenceMark | None
) -> str:
    """The text of a grid cell: the absence mark first, then the grades in order."""
    parts = [absence.value] if absence else []
    parts += [f"{value}{GRADE_KIND_SUFFIXES[kind] if kind else ''}" for value, kind in grades]
    return " ".join(parts)


# ---------------------------------------------------------------- who may write


@dataclass(frozen=True)
class AssignmentRef:
    """A group and subject a teacher keeps the journal for."""

    group_id: int
    subject_id: int
    group: str
    subject: str
    # True when the actor only covered some of its lessons as a substitute.
    substitute: bool = False

    @property
    def label(self) -> str:
        suffix = " (замена)" if self.substitute else ""
        return f"{self.group} — {self.subject}{suffix}"


def own_assignments(session: Session, actor: Actor) -> list[AssignmentRef]:
    """The journals the actor keeps, then those where the actor covered lessons as a substitute."""
    if not actor.can(Action.EDIT_JOURNAL) or actor.staff_id is None:
        return []
    query = (
        select(StudyGroup.id, Subject.id, StudyGroup.name, Subject.name)
        .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.staff_id == actor.staff_id)
        .order_by(StudyGroup.name, Subject.name)
    )
    kept = [AssignmentRef(*row) for row in session.execute(query)]
    kept_keys = {(ref.group_id, ref.subject_id) for ref in kept}
    covered = session.execute(
        select(StudyGroup.id, Subject.id, StudyGroup.name, Subject.name)
        .join(Lesson, Lesson.group_id == StudyGroup.id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(Lesson.staff_id == actor.staff_id)
        .distinct()
        .order_by(StudyGroup.name, Subject.name)
    )
    return kept + [
        AssignmentRef(*row, substitute=True)
        for row in covered
        if (row[0], row[1]) not in kept_keys
    ]


def _covered_lessons(
    session: Session, actor: Actor, group_id: int, subject_id: int
) -> set[int]:
    """Lessons of this journal the actor taught as a substitute."""
    if actor.staff_id is None or not actor.can(Action.EDIT_JOURNAL):
        return set()
    return set(
        session.scalars(
            select(Lesson.id).where(
                Lesson.group_id == group_id,
                Lesson.subject_id == subject_id,
                Lesson.staff_id == actor.staff_id,
            )
        )
    )


def _teaches(session: Session, actor: Actor, group_id: int, subject_id: int) -> bool:
    if actor.is_system:
        return True
    if not actor.can(Action.EDIT_JOURNAL) or actor.staff_id is None:
        return False
    return (
        session.scalar(
            select(TeachingAssignment.id).where(
                TeachingAssignment.group_id == group_id,
                TeachingAssignment.subject_id == subject_id,
                TeachingAssignment.staff_id == actor.staff_id,
            )
        )
        is not None
    )


def require_writer(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    period: ReportingPeriod,
    reason: str | None,
    lesson_ids: Collection[int] = (),
) -> None:
    """Refuse unless the actor may write this journal (or these lessons of it) in this period.

    The subject teacher writes in open periods; a substitute writes the lessons they covered;
    the deputy head corrects closed periods with a reason; everyone else (the class teacher
    included) only reads.
    """
    if lesson_ids and not _teaches(session, actor, group_id, subject_id):
        covered = _covered_lessons(session, actor, group_id, subject_id)
        if covered and set(lesson_ids) <= covered:
            if period.is_closed:
                raise DomainError(CLOSED.format(name=period.name))
            return
        if covered:
            raise PermissionDenied(NOT_COVERED)
    if _teaches(session, actor, group_id, subject_id):
        if period.is_closed and not actor.is_system:
            if actor.can(Action.EDIT_CLOSED_PERIOD):
                if not (reason or "").strip():
                    raise DomainError("Укажите причину исправления в закрытом периоде.")
                return
            raise DomainError(CLOSED.format(name=period.name))
        return
    if actor.can(Action.EDIT_CLOSED_PERIOD):
        if not period.is_closed:
            raise PermissionDenied(DEPUTY_OPEN_PERIOD)
        if not (reason or "").strip():
            raise DomainError("Укажите причину исправления в закрытом периоде.")
        return
    raise PermissionDenied(READ_ONLY)


def may_write(session: Session, actor: Actor, *, group_id: int, subject_id: int) -> bool:
    """Whether the actor is the one who keeps this journal (for showing edit widgets)."""
    return _teaches(session, actor, group_id, subject_id) or actor.can(Action.EDIT_CLOSED_PERIOD)


def require_reader(session: Session, actor: Actor, *, group_id: int, subject_id: int) -> None:
    """Refuse unless the actor keeps this journal or reads the class journal of the group."""
    if _teaches(session, actor, group_id, subject_id):
        return
    if _covered_lessons(session, actor, group_id, subject_id):
        return
    if actor.is_school_wide_for(Action.VIEW_CLASS_JOURNAL):
        return
    group = _group(session, group_id)
    if group.class_id is not None:
        require_class_scope(session, actor, group.class_id, Action.VIEW_CLASS_JOURNAL)
        return
    # A stream spans classes: its class teachers read it for their own pupils.
    if Role.CLASS_TEACHER in actor.roles and actor.staff_id is not None:
        own_pupil = session.scalar(
            select(GroupMembership.id)
            .join(Enrolment, Enrolment.student_id == GroupMembership.student_id)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(
                GroupMembership.group_id == group_id,
                SchoolClass.class_teacher_id == actor.staff_id,
            )
            .limit(1)
        )
        if own_pupil is not None:
            return
    raise PermissionDenied(OUT_OF_SCOPE)


def _group(session: Session, group_id: int) -> StudyGroup:
    return get_or_404(session, StudyGroup, group_id, "Учебная группа не найдена.")


def _period_of_lesson(session: Session, lesson: Lesson) -> ReportingPeriod:
    period = calendar.period_on(session, lesson.lesson_date)
    if period is None:
        raise DomainError(f"Урок {format_date(lesson.lesson_date)} вне учебных периодов.")
    return period


# ---------------------------------------------------------------- who is in a lesson


@dataclass
class _Intervals:
    spans: list[tuple[date, date | None]] = field(default_factory=list)

    def covers(self, on: date) -> bool:
        return any(start <= on and (end is None or end >= on) for start, end in self.spans)


def _exempting_groups(group: StudyGroup, subject_id: int) -> ScalarSelect[int]:
    """Groups that take a student out of the whole-class group for this subject."""
    return (
        select(StudyGroup.id)
        .where(
            StudyGroup.id != group.id,
            StudyGroup.kind != GroupKind.WHOLE_CLASS,
            or_(
                StudyGroup.subject_id == subject_id,
                exists().where(
                    TeachingAssignment.group_id == StudyGroup.id,
                    TeachingAssignment.subject_id == subject_id,
                ),
            ),
        )
        .scalar_subquery()
    )


def roster_intervals(
    session: Session, group_id: int, subject_id: int, starts_on: date, ends_on: date
) -> dict[int, tuple[_Intervals, _Intervals]]:
    """Per student: when they are in the group, and when another group teaches them this subject.

    A student of the whole class who is taught the subject in a subgroup, a stream or an
    individual plan is not in the whole-class lesson (as `groups.group_of_student_on` decides).
    """
    group = _group(session, group_id)
    overlap = and_(
        GroupMembership.starts_on <= ends_on,
        or_(GroupMembership.ends_on.is_(None), GroupMembership.ends_on >= starts_on),
    )
    result: dict[int, tuple[_Intervals, _Intervals]] = {}
    for student_id, start, end in session.execute(
        select(
            GroupMembership.student_id, GroupMembership.starts_on, GroupMembership.ends_on
        ).where(GroupMembership.group_id == group_id, overlap)
    ):
        result.setdefault(student_id, (_Intervals(), _Intervals()))[0].spans.append((start, end))
    if group.kind == GroupKind.WHOLE_CLASS and result:
        for student_id, start, end in session.execute(
            select(
                GroupMembership.student_id, GroupMembership.starts_on, GroupMembership.ends_on
            ).where(
                GroupMembership.group_id.in_(_exempting_groups(group, subject_id)),
                GroupMembership.student_id.in_(list(result)),
                overlap,
            )
        ):
            result[student_id][1].spans.append((start, end))
    return result


def is_in_lesson(
    intervals: dict[int, tuple[_Intervals, _Intervals]], student_id: int, on: date
) -> bool:
    """Whether the student sits in the lesson of that date."""
    member = intervals.get(student_id)
    return member is not None and member[0].covers(on) and not member[1].covers(on)


def _check_member(session: Session, lesson: Lesson, student_id: int) -> None:
    intervals = roster_intervals(
        session, lesson.group_id, lesson.subject_id, lesson.lesson_date, lesson.lesson_date
    )
    if not is_in_lesson(intervals, student_id, lesson.lesson_date):
        raise DomainError(
            f"Обучающийся не занимается в этой группе {format_date(lesson.lesson_date)}: "
            "оценку или отметку поставить нельзя."
        )


# ---------------------------------------------------------------- the grid


@dataclass(frozen=True)
class LessonColumn:
    """A lesson as a column of the grid."""

    lesson_id: int
    lesson_date: date
    number: int
    status: LessonStatus
    topic: str
    homework: str
    teacher: str
    has_test: bool
    staff_id: int

    @property
    def label(self) -> str:
        return self.lesson_date.strftime("%d.%m")


@dataclass(frozen=True)
class StudentRow:
    """A student as a row of the grid, with the period results."""

    student_id: int
    name: str
    average: float | None
    weighted_average: float | None
    grades: int
    absences: int
    period_grade: int | None


@dataclass(frozen=True)
class JournalGrid:
    """The journal of one group in one subject for one period."""

    group_id: int
    subject_id: int
    group: str
    subject: str
    period_id: int
    period: str
    is_closed: bool
    students: list[StudentRow]
    lessons: list[LessonColumn]
    cells: dict[tuple[int, int], str]
    # (student, lesson) pairs where the student is not in the lesson (left / joined later).
    outside: set[tuple[int, int]]

    def column_labels(self) -> dict[int, str]:
        """Unique column labels: «05.09», or «05.09 (3)» when a day has two lessons."""
        counts: dict[date, int] = {}
        for lesson in self.lessons:
            counts[lesson.lesson_date] = counts.get(lesson.lesson_date, 0) + 1
        return {
            lesson.lesson_id: lesson.label
            + (f" ({lesson.number})" if counts[lesson.lesson_date] > 1 else "")
            for lesson in self.lessons
        }


def _lessons_in(
    group_id: int, subject_id: int, period: ReportingPeriod
) -> ScalarSelect[int]:
    return (
        select(Lesson.id)
        .where(
            Lesson.group_id == group_id,
            Lesson.subject_id == subject_id,
            Lesson.lesson_date.between(period.starts_on, period.ends_on),
        )
        .scalar_subquery()
    )


def build_grid(
    session: Session,
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
    student_ids: set[int] | None = None,
) -> JournalGrid:
    """Assemble the grid (no permission check: callers check read scope first)."""
    group = _group(session, group_id)
    subject = get_or_404(session, Subject, subject_id, "Предмет не найден.")
    period = calendar.get_period(session, period_id)
    intervals = roster_intervals(session, group_id, subject_id, period.starts_on, period.ends_on)
    tests = set(
        session.scalars(
            select(PlannedTest.planned_on).where(
                PlannedTest.group_id == group_id,
                PlannedTest.subject_id == subject_id,
                PlannedTest.planned_on.between(period.starts_on, period.ends_on),
            )
        )
    )
    lessons = [
        LessonColumn(
            lesson.id,
            lesson.lesson_date,
            lesson.number,
            lesson.status,
            lesson.topic or "",
            lesson.homework or "",
            short,
            lesson.lesson_date in tests,
            lesson.staff_id,
        )
        for lesson, short in (
            (lesson, staff.short_name)
            for lesson, staff in session.execute(
                select(Lesson, Staff)
                .join(Staff, Staff.id == Lesson.staff_id)
                .where(
                    Lesson.group_id == group_id,
                    Lesson.subject_id == subject_id,
                    Lesson.lesson_date.between(period.starts_on, period.ends_on),
                )
                .order_by(Lesson.lesson_date, Lesson.number)
            )
        )
    ]
    lesson_ids = _lessons_in(group_id, subject_id, period)
    grades: dict[tuple[int, int], list[tuple[int, GradeKind]]] = {}
    for student_id, lesson_id, value, kind in session.execute(
        select(Grade.student_id, Grade.lesson_id, Grade.value, Grade.kind)
        .where(Grade.lesson_id.in_(lesson_ids))
        .order_by(Grade.id)
    ):
        grades.setdefault((student_id, lesson_id), []).append((value, kind))
    absences = {
        (student_id, lesson_id): mark
        for student_id, lesson_id, mark in session.execute(
            select(Absence.student_id, Absence.lesson_id, Absence.mark).where(
                Absence.lesson_id.in_(lesson_ids)
            )
        )
    }
    # Students with marks stay visible even if they have left the group since.
    ids = set(intervals) | {s for s, _ in grades} | {s for s, _ in absences}
    if student_ids is not None:
        ids &= student_ids
    stats = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                Grade.student_id,
                func.avg(Grade.value),
                func.sum(Grade.value * Grade.weight) / func.sum(Grade.weight),
                func.count(Grade.id),
            )
            .where(Grade.lesson_id.in_(lesson_ids))
            .group_by(Grade.student_id)
        )
    }
    absence_counts: dict[int, int] = {}
    for (student_id, _), mark in absences.items():
        if mark != AbsenceMark.LATE:
            absence_counts[student_id] = absence_counts.get(student_id, 0) + 1
    period_grades = dict(
        session.execute(
            select(PeriodGrade.student_id, PeriodGrade.value).where(
                PeriodGrade.period_id == period_id, PeriodGrade.subject_id == subject_id
            )
        ).all()
    )
    students = [
        StudentRow(
            student.id,
            student.full_name,
            _round(stats.get(student.id, (None,))[0]),
            _round(stats.get(student.id, (None, None))[1]),
            int(stats.get(student.id, (None, None, 0))[2]),
            absence_counts.get(student.id, 0),
            period_grades.get(student.id),
        )
        for student in session.scalars(
            select(Student)
            .where(Student.id.in_(ids))
            .order_by(Student.last_name, Student.first_name, Student.id)
        )
    ]
    cells = {
        (s.student_id, lesson.lesson_id): format_cell(
            grades.get((s.student_id, lesson.lesson_id), ()),
            absences.get((s.student_id, lesson.lesson_id)),
        )
        for s in students
        for lesson in lessons
    }
    outside = {
        (s.student_id, lesson.lesson_id)
        for s in students
        for lesson in lessons
        if not is_in_lesson(intervals, s.student_id, lesson.lesson_date)
    }
    return JournalGrid(
        group_id=group_id,
        subject_id=subject_id,
        group=group.name,
        subject=subject.name,
        period_id=period.id,
        period=period.name,
        is_closed=period.is_closed,
        students=students,
        lessons=lessons,
        cells=cells,
        outside=outside,
    )


def _round(value: object) -> float | None:
    return None if value is None else round(float(value), 2)  # type: ignore[arg-type]


def read_journal(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, period_id: int
) -> JournalGrid:
    """The journal grid of a group in a subject for a period (teacher, class teacher, deputy)."""
    require_reader(session, actor, group_id=group_id, subject_id=subject_id)
    return build_grid(session, group_id=group_id, subject_id=subject_id, period_id=period_id)


@dataclass(frozen=True)
class SaveSummary:
    """What a grid save changed."""

    added: int = 0
    changed: int = 0
    deleted: int = 0
    absences: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.deleted + self.absences


def _history(
    session: Session, actor: Actor, grade: Grade, new: tuple[int, GradeKind] | None, reason: str
) -> None:
    session.add(
        GradeChange(
            grade_id=grade.id,
            lesson_id=grade.lesson_id,
            student_id=grade.student_id,
            old_value=grade.value,
            old_kind=grade.kind,
            new_value=new[0] if new else None,
            new_kind=new[1] if new else None,
            changed_by=actor.login,
            changed_by_user_id=actor.user_id,
            reason=reason,
        )
    )


@dataclass(frozen=True)
class CellEdit:
    """A cell the user changed: what it showed when the grid was read, and what was typed."""

    expected: str | None
    new: str | None


CONFLICT = (
    "Пока вы редактировали, это изменили в другом сеансе, и ничего не сохранено. "
    "Журнал обновлён; остальные ваши изменения остались на экране — проверьте и сохраните "
    "ещё раз:\n"
)
FUTURE = "оценки и отметки о пропусках ставят не раньше дня урока (сегодня {today})."


def _normal(text: str | None) -> str:
    """A cell's text as the grid shows it, so «4 5» typed and «4 5» read compare equal."""
    try:
        cell = parse_cell(text)
    except DomainError:
        return (text or "").strip()
    return format_cell(cell.grades, cell.absence)


def school_today(session: Session) -> date:
    """Today in the school's time zone (callers pass the page's own `today` where it has one)."""
    return formatting.school_today(get_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE))


def _bullets(lines: list[str]) -> str:
    text = "\n".join(f"• {line}" for line in lines[:MAX_ERRORS_SHOWN])
    more = len(lines) - MAX_ERRORS_SHOWN
    return text + (f"\n• …и ещё: {more}" if more > 0 else "")


def save_grid(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
    edits: Mapping[tuple[int, int], CellEdit],
    reason: str = "",
    today: date | None = None,
) -> SaveSummary:
    """Save the cells (student, lesson) the user changed; all or nothing.

    Each edit carries the value the cell showed when read: if the journal now holds something
    else, the whole save is refused with a Conflict naming the cells and their current values.
    Changing or deleting a grade that was there needs a reason and is written to the history.
    """
    period = calendar.get_period(session, period_id)
    reason = (reason or "").strip()
    keeps = _teaches(session, actor, group_id, subject_id) or actor.can(Action.EDIT_CLOSED_PERIOD)
    if keeps:
        require_writer(
            session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=reason
        )
    elif not _covered_lessons(session, actor, group_id, subject_id):
        raise PermissionDenied(READ_ONLY)
    # Locked before the cells are compared: a concurrent save of these lessons waits here.
    lessons = {
        lesson.id: lesson
        for lesson in lock_rows(session, Lesson, {lesson_id for _, lesson_id in edits})
    }
    intervals = roster_intervals(session, group_id, subject_id, period.starts_on, period.ends_on)
    names = dict(
        session.execute(
            select(Student.id, Student.last_name + " " + Student.first_name).where(
                Student.id.in_({student_id for student_id, _ in edits})
            )
        ).all()
    )
    existing_grades: dict[tuple[int, int], list[Grade]] = {}
    for grade in session.scalars(
        select(Grade).where(Grade.lesson_id.in_(list(lessons))).order_by(Grade.id)
    ):
        existing_grades.setdefault((grade.student_id, grade.lesson_id), []).append(grade)
    existing_absences = {
        (a.student_id, a.lesson_id): a
        for a in session.scalars(select(Absence).where(Absence.lesson_id.in_(list(lessons))))
    }
    today = today or school_today(session)

    errors: list[str] = []
    conflicts: list[str] = []
    conflicted: set[tuple[int, int]] = set()
    plan: list[tuple[tuple[int, int], Cell]] = []
    needs_reason = False
    for key, edit in sorted(edits.items()):
        student_id, lesson_id = key
        lesson = lessons.get(lesson_id)
        where = f"{names.get(student_id, 'обучающийся')}"
        if lesson is None or lesson.group_id != group_id or lesson.subject_id != subject_id:
            errors.append(f"{where}: урок не относится к этому журналу.")
            continue
        where += f", {format_date(lesson.lesson_date)}"
        if not period.starts_on <= lesson.lesson_date <= period.ends_on:
            errors.append(f"{where}: урок вне периода «{period.name}».")
            continue
        try:
            cell = parse_cell(edit.new)
        except DomainError as error:
            errors.append(f"{where}: {error}")
            continue
        old_grades = existing_grades.get(key, [])
        old_absence = existing_absences.get(key)
        old = [(g.value, g.kind) for g in old_grades]
        now_text = format_cell(old, old_absence.mark if old_absence else None)
        new_text = format_cell(cell.grades, cell.absence)
        if new_text in (now_text, _normal(edit.expected)):
            continue  # nothing to do, or the user did not change this cell after all
        if now_text != _normal(edit.expected):
            conflicts.append(f"{where}: сейчас {f'«{now_text}»' if now_text else 'пусто'}")
            conflicted.add(key)
            continue
        if cell.grades or cell.absence:
            if lesson.lesson_date > today:
                errors.append(f"{where}: {FUTURE.format(today=format_date(today))}")
                continue
            if not is_in_lesson(intervals, student_id, lesson.lesson_date):
                errors.append(f"{where}: обучающийся не занимается в группе в этот день.")
                continue
            if lesson.status == LessonStatus.CANCELLED:
                errors.append(f"{where}: урок отменён.")
                continue
        if len(cell.grades) < len(old) or any(
            o != n for o, n in zip(old, cell.grades, strict=False)
        ):
            needs_reason = True
        plan.append((key, cell))
    if conflicts:
        raise Conflict(CONFLICT + _bullets(conflicts), frozenset(conflicted))
    if errors:
        raise DomainError("Ничего не сохранено. Исправьте клетки журнала:\n" + _bullets(errors))
    if needs_reason and not reason:
        raise DomainError(REASON_NEEDED + " Ничего не сохранено.")
    if not keeps and plan:
        # A substitute: every changed cell must belong to a lesson they taught.
        require_writer(
            session, actor, group_id=group_id, subject_id=subject_id, period=period,
            reason=reason, lesson_ids={lesson_id for (_, lesson_id), _ in plan},
        )

    added = changed = deleted = absences = 0
    for key, cell in plan:
        student_id, lesson_id = key
        old_grades = existing_grades.get(key, [])
        for index in range(max(len(old_grades), len(cell.grades))):
            new = cell.grades[index] if index < len(cell.grades) else None
            if index >= len(old_grades):
                assert new is not None
                session.add(_new_grade(actor, lesson_id, student_id, *new))
                added += 1
                continue
            grade = old_grades[index]
            if new is None:
                _history(session, actor, grade, None, reason)
                session.delete(grade)
                deleted += 1
            elif (grade.value, grade.kind) != new:
                _history(session, actor, grade, new, reason)
                if grade.kind != new[1]:
                    grade.weight = default_weight(new[1])
                grade.value, grade.kind = new
                changed += 1
        old_absence = existing_absences.get(key)
        if (old_absence.mark if old_absence else None) != cell.absence:
            absences += 1
            if cell.absence is None:
                assert old_absence is not None
                session.delete(old_absence)
            elif old_absence is None:
                session.add(Absence(lesson_id=lesson_id, student_id=student_id, mark=cell.absence))
            else:
                old_absence.mark = cell.absence
    session.flush()
    return SaveSummary(added, changed, deleted, absences)


def _new_grade(actor: Actor, lesson_id: int, student_id: int, value: int, kind: GradeKind) -> Grade:
    return Grade(
        lesson_id=lesson_id,
        student_id=student_id,
        value=value,
        kind=kind,
        weight=default_weight(kind),
        created_by=actor.login,
    )


def _check_value(value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise DomainError(f"«{value}» — не оценка: допустимы целые оценки от 1 до 5.")


def _writable_lesson(session: Session, actor: Actor, lesson_id: int, reason: str | None) -> Lesson:
    # Locked: what the caller reads about the lesson's grades next is what it writes over.
    locked = lock_rows(session, Lesson, [lesson_id])
    if not locked:
        raise NotFound("Урок не найден.")
    lesson = locked[0]
    period = _period_of_lesson(session, lesson)
    require_writer(
        session,
        actor,
        group_id=lesson.group_id,
        subject_id=lesson.subject_id,
        period=period,
        reason=reason,
        lesson_ids=[lesson.id],
    )
    return lesson


def add_grade(
    session: Session,
    actor: Actor,
    *,
    lesson_id: int,
    student_id: int,
    value: int,
    kind: GradeKind = GradeKind.CLASSWORK,
    weight: float | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> Grade:
    """Give a student a grade in a lesson (a lesson may carry several)."""
    lesson = _writable_lesson(session, actor, lesson_id, reason)
    _check_value(value)
    if weight is not None and weight <= 0:
        raise DomainError("Вес оценки должен быть больше нуля.")
    if lesson.status == LessonStatus.CANCELLED:
        raise DomainError("Урок отменён: оценку поставить нельзя.")
    _check_not_future(session, lesson, today)
    _check_member(session, lesson, student_id)
    grade = _new_grade(actor, lesson.id, student_id, value, kind)
    if weight is not None:
        grade.weight = weight
    session.add(grade)
    session.flush()
    return grade


def _check_not_future(session: Session, lesson: Lesson, today: date | None) -> None:
    today = today or school_today(session)
    if lesson.lesson_date > today:
        raise DomainError(
            f"Урок {format_date(lesson.lesson_date)}: {FUTURE.format(today=format_date(today))}"
        )


def _locked_grade(session: Session, actor: Actor, grade_id: int, reason: str) -> Grade:
    """The grade as it is once its lesson is locked (another save may have just changed it)."""
    grade = get_or_404(session, Grade, grade_id, "Оценка не найдена.")
    _writable_lesson(session, actor, grade.lesson_id, reason)
    locked = lock_rows(session, Grade, [grade_id])
    if not locked:
        raise NotFound("Оценка не найдена: её только что удалили в другом сеансе.")
    return locked[0]


def change_grade(
    session: Session,
    actor: Actor,
    *,
    grade_id: int,
    value: int,
    reason: str,
    kind: GradeKind | None = None,
) -> Grade:
    """Change a grade; the old value, the new one, who, when and why go to the history."""
    grade = _locked_grade(session, actor, grade_id, reason)
    _check_value(value)
    if not (reason or "").strip():
        raise DomainError("Укажите причину изменения оценки.")
    new_kind = kind or grade.kind
    if (grade.value, grade.kind) == (value, new_kind):
        return grade
    _history(session, actor, grade, (value, new_kind), reason.strip())
    if new_kind != grade.kind:
        grade.weight = default_weight(new_kind)
    grade.value, grade.kind = value, new_kind
    session.flush()
    return grade


def delete_grade(session: Session, actor: Actor, *, grade_id: int, reason: str) -> None:
    """Delete a grade given by mistake; the history keeps it with the reason."""
    grade = _locked_grade(session, actor, grade_id, reason)
    if not (reason or "").strip():
        raise DomainError("Укажите причину удаления оценки.")
    _history(session, actor, grade, None, reason.strip())
    session.delete(grade)
    session.flush()


def set_absence(
    session: Session,
    actor: Actor,
    *,
    lesson_id: int,
    student_id: int,
    mark: AbsenceMark | None,
    today: date | None = None,
) -> None:
    """Mark (or clear) a student's absence in a lesson (not on a lesson after today)."""
    lesson = _writable_lesson(session, actor, lesson_id, None)
    existing = session.scalar(
        select(Absence).where(Absence.lesson_id == lesson_id, Absence.student_id == student_id)
    )
    if mark is None:
        if existing is not None:
            session.delete(existing)
    elif existing is not None:
        _check_not_future(session, lesson, today)
        existing.mark = mark
    else:
        _check_not_future(session, lesson, today)
        _check_member(session, lesson, student_id)
        session.add(Absence(lesson_id=lesson_id, student_id=student_id, mark=mark))
    session.flush()


# ---------------------------------------------------------------- lessons: topic, homework


@dataclass(frozen=True)
class LessonUpdate:
    """New topic and homework of a lesson, with what the page showed when it was read."""

    lesson_id: int
    topic: str
    homework: str
    expected_topic: str
    expected_homework: str


def _quoted(text: str) -> str:
    return f"«{text[:60]}{'…' if len(text) > 60 else ''}»" if text else "пусто"


def save_lessons(session: Session, actor: Actor, *, updates: list[LessonUpdate]) -> int:
    """Save topics and homework of several lessons; all or nothing, refused on a conflict."""
    lock_rows(session, Lesson, [update.lesson_id for update in updates])
    changed: list[tuple[Lesson, str, str]] = []
    conflicts: list[str] = []
    conflicted: set[int] = set()
    for update in updates:
        lesson = _writable_lesson(session, actor, update.lesson_id, "тема и задание")
        topic = (update.topic or "").strip()
        homework = (update.homework or "").strip()
        if len(topic) > 500 or len(homework) > 1000:
            raise DomainError(
                f"{format_date(lesson.lesson_date)}: тема — до 500 символов, задание — до 1000."
            )
        now = ((lesson.topic or "").strip(), (lesson.homework or "").strip())
        was = (update.expected_topic.strip(), update.expected_homework.strip())
        if (topic, homework) in (now, was):
            continue
        if now != was:
            conflicts.append(
                f"{format_date(lesson.lesson_date)}: тема сейчас {_quoted(now[0])}, "
                f"задание {_quoted(now[1])}"
            )
            conflicted.add(lesson.id)
            continue
        changed.append((lesson, topic, homework))
    if conflicts:
        raise Conflict(CONFLICT + _bullets(conflicts), frozenset(conflicted))
    for lesson, topic, homework in changed:
        lesson.topic = topic or None
        lesson.homework = homework or None
    session.flush()
    return len(changed)


def add_lesson(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    on: date,
    number: int,
    topic: str = "",
) -> Lesson:
    """Add a lesson outside the timetable (e.g. a make-up lesson) on a school day."""
    period = calendar.check_school_day(session, on)
    require_writer(
        session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=topic
    )
    if not 0 <= number <= 10:
        raise DomainError("Номер урока — от 0 до 10.")
    if session.scalar(
        select(Lesson.id).where(
            Lesson.group_id == group_id,
            Lesson.lesson_date == on,
            Lesson.number == number,
            Lesson.status == LessonStatus.SCHEDULED,
        )
    ):
        raise DomainError(f"{format_date(on)} у группы уже есть {number}-й урок.")
    staff_id = actor.staff_id or session.scalar(
        select(TeachingAssignment.staff_id).where(
            TeachingAssignment.group_id == group_id, TeachingAssignment.subject_id == subject_id
        )
    )
    if staff_id is None:
        raise DomainError("У группы нет учителя по этому предмету.")
    lesson = Lesson(
        group_id=group_id,
        subject_id=subject_id,
        staff_id=staff_id,
        lesson_date=on,
        number=number,
        topic=topic.strip() or None,
    )
    session.add(lesson)
    session.flush()
    return lesson


# ---------------------------------------------------------------- tests, period grades, advice


@dataclass(frozen=True)
class TestRef:
    """A planned test."""

    test_id: int
    planned_on: date
    title: str


def plan_test(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, on: date, title: str
) -> PlannedTest:
    """Plan a test (контрольная работа) for a school day; families see the schedule."""
    title = title.strip()
    if not title:
        raise DomainError("Укажите тему контрольной работы.")
    period = calendar.check_school_day(session, on)
    require_writer(
        session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=title
    )
    test = PlannedTest(
        group_id=group_id,
        subject_id=subject_id,
        planned_on=on,
        title=title,
        created_by=actor.login,
    )
    session.add(test)
    session.flush()
    return test


def planned_tests(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, period_id: int
) -> list[TestRef]:
    """The tests planned for the group in the period."""
    require_reader(session, actor, group_id=group_id, subject_id=subject_id)
    period = calendar.get_period(session, period_id)
    return [
        TestRef(*row)
        for row in session.execute(
            select(PlannedTest.id, PlannedTest.planned_on, PlannedTest.title)
            .where(
                PlannedTest.group_id == group_id,
                PlannedTest.subject_id == subject_id,
                PlannedTest.planned_on.between(period.starts_on, period.ends_on),
            )
            .order_by(PlannedTest.planned_on)
        )
    ]


def set_period_grades(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
    values: Mapping[int, int | None],
    expected: Mapping[int, int | None],
    reason: str = "",
) -> int:
    """Set the period grades of the group's students; changing one needs a reason.

    `expected` is what the page showed for each student: a grade changed since is a Conflict.
    """
    period = calendar.get_period(session, period_id)
    require_writer(
        session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=reason
    )
    # Period-grade saves of one group wait for each other before comparing.
    lock_rows(session, StudyGroup, [group_id])
    intervals = roster_intervals(session, group_id, subject_id, period.starts_on, period.ends_on)
    existing = {
        p.student_id: p
        for p in session.scalars(
            select(PeriodGrade).where(
                PeriodGrade.period_id == period_id,
                PeriodGrade.subject_id == subject_id,
                PeriodGrade.student_id.in_(list(values)),
            )
        )
    }
    conflicts: list[str] = []
    conflicted: set[int] = set()
    for student_id, value in values.items():
        if value is not None:
            _check_value(value)
        if student_id not in intervals:
            raise DomainError("Итоговую оценку ставят только обучающимся группы.")
        old = existing.get(student_id)
        now = old.value if old is not None else None
        if now != expected.get(student_id) and value != now:
            name = session.get(Student, student_id)
            conflicts.append(
                f"{name.full_name if name else 'обучающийся'}, «{period.name}»: "
                f"сейчас {now if now is not None else 'пусто'}"
            )
            conflicted.add(student_id)
    if conflicts:
        raise Conflict(CONFLICT + _bullets(conflicts), frozenset(conflicted))
    for student_id, value in values.items():
        old = existing.get(student_id)
        if old is not None and old.value != value and not reason.strip():
            raise DomainError("Укажите причину изменения итоговой оценки. Ничего не сохранено.")
    count = 0
    for student_id, value in values.items():
        old = existing.get(student_id)
        if old is not None and old.value != value:
            session.add(
                PeriodGradeChange(
                    period_id=period_id,
                    subject_id=subject_id,
                    student_id=student_id,
                    old_value=old.value,
                    new_value=value,
                    changed_by=actor.login,
                    changed_by_user_id=actor.user_id,
                    reason=reason.strip(),
                )
            )
        if old is not None and value is None:
            session.delete(old)
        elif old is not None and old.value != value:
            assert value is not None
            old.value, old.set_by = value, actor.login
        elif old is None and value is not None:
            session.add(
                PeriodGrade(
                    period_id=period_id,
                    student_id=student_id,
                    subject_id=subject_id,
                    group_id=group_id,
                    value=value,
                    set_by=actor.login,
                )
            )
        else:
            continue
        count += 1
    session.flush()
    return count


def add_recommendation(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, student_id: int, text: str
) -> Recommendation:
    """A teacher's recommendation to a student of the group (visible to the family later)."""
    text = text.strip()
    if not text:
        raise DomainError("Напишите текст рекомендации.")
    if len(text) > 2000:
        raise DomainError("Рекомендация — не длиннее 2000 символов.")
    if not _teaches(session, actor, group_id, subject_id):
        raise PermissionDenied(READ_ONLY)
    if (
        session.scalar(
            select(GroupMembership.id).where(
                GroupMembership.group_id == group_id, GroupMembership.student_id == student_id
            )
        )
        is None
    ):
        raise DomainError("Рекомендации пишут только обучающимся своей группы.")
    recommendation = Recommendation(
        student_id=student_id,
        subject_id=subject_id,
        staff_id=actor.staff_id,
        text=text,
        created_by=actor.login,
    )
    session.add(recommendation)
    session.flush()
    return recommendation


@dataclass(frozen=True)
class RecommendationRow:
    """A recommendation as lists show it."""

    student: str
    subject: str
    text: str
    created_at: object
    author: str


def recommendations(
    session: Session, actor: Actor, *, group_id: int, subject_id: int
) -> list[RecommendationRow]:
    """Recommendations written to the group's students in the subject."""
    require_reader(session, actor, group_id=group_id, subject_id=subject_id)
    members = select(GroupMembership.student_id).where(GroupMembership.group_id == group_id)
    return [
        RecommendationRow(f"{last} {first}", subject, text, at, author)
        for last, first, subject, text, at, author in session.execute(
            select(
                Student.last_name,
                Student.first_name,
                Subject.name,
                Recommendation.text,
                Recommendation.created_at,
                Recommendation.created_by,
            )
            .join(Student, Student.id == Recommendation.student_id)
            .join(Subject, Subject.id == Recommendation.subject_id)
            .where(
                Recommendation.subject_id == subject_id,
                Recommendation.student_id.in_(members),
            )
            .order_by(Recommendation.created_at.desc())
        )
    ]


@dataclass(frozen=True)
class HistoryRow:
    """One change of a grade."""

    student: str
    lesson_date: date
    old: str
    new: str
    changed_at: object
    changed_by: str
    reason: str


def grade_history(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, period_id: int
) -> list[HistoryRow]:
    """Changes and deletions of grades in this journal for the period, newest first."""
    require_reader(session, actor, group_id=group_id, subject_id=subject_id)
    period = calendar.get_period(session, period_id)
    return [
        HistoryRow(
            f"{last} {first}",
            on,
            format_cell([(old_value, old_kind)], None),
            format_cell([(new_value, new_kind)], None) if new_value is not None else "удалена",
            at,
            who,
            reason,
        )
        for last, first, on, old_value, old_kind, new_value, new_kind, at, who, reason in (
            session.execute(
                select(
                    Student.last_name,
                    Student.first_name,
                    Lesson.lesson_date,
                    GradeChange.old_value,
                    GradeChange.old_kind,
                    GradeChange.new_value,
                    GradeChange.new_kind,
                    GradeChange.changed_at,
                    GradeChange.changed_by,
                    GradeChange.reason,
                )
                .join(Lesson, Lesson.id == GradeChange.lesson_id)
                .join(Student, Student.id == GradeChange.student_id)
                .where(
                    Lesson.group_id == group_id,
                    Lesson.subject_id == subject_id,
                    Lesson.lesson_date.between(period.starts_on, period.ends_on),
                )
                .order_by(GradeChange.changed_at.desc(), GradeChange.id.desc())
            )
        )
    ]


GRADE_KIND_HELP = ", ".join(
    f"{value}{GRADE_KIND_SUFFIXES[kind] or ''} — {GRADE_KIND_TITLES[kind]} "
    f"(вес {GRADE_KIND_WEIGHTS[kind]:g})"
    for kind, value in zip(GradeKind, (5, 4, 5, 4, 3), strict=True)
)
