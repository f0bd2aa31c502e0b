"""Paper extracts from the journal: their content, the register, returned slips, the schedule."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import (
    GroupMembership,
    Guardian,
    ReportingPeriod,
    SchoolClass,
    Staff,
    Student,
    Subject,
)
from klassruk.models.extracts import ExtractFrequency, ExtractSchedule, PaperExtract
from klassruk.models.journal import (
    ABSENCE_TITLES,
    LESSON_CHANGE_TITLES,
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    LessonChange,
    LessonChangeKind,
    PeriodGrade,
    PlannedTest,
    Recommendation,
)
from klassruk.permissions import Action, Actor
from klassruk.services.acknowledgements.paper import (
    PrintedItems,
    paper_snapshots,
    record_paper_acknowledgements,
)
from klassruk.services.cabinet.common import in_students_lessons
from klassruk.services.cabinet.lessons import TestItem
from klassruk.services.cabinet.record import recommendations_query
from klassruk.services.calendar import in_current_year
from klassruk.services.consent.register import class_consent
from klassruk.services.journal import weighted_average
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.notifications.messages import mark_printed, paper_messages
from klassruk.services.roster.people import ClassPeople, class_people
from klassruk.services.scope.classes import own_class_ids_query, require_class_scope
from klassruk.services.scope.links import families_of_class_query, require_family_of_class

MAX_RANGE_DAYS = 200


# ---------------------------------------------------------------- content


@dataclass(frozen=True)
class ExtractGrade:
    """One grade as the extract prints it."""

    on: date
    value: int
    kind: GradeKind


@dataclass
class ExtractSubject:
    """A subject's grades, weighted average, period grade and missed lessons in the range."""

    subject: str
    grades: list[ExtractGrade] = field(default_factory=list)
    weights: list[tuple[int, float]] = field(default_factory=list)
    period_grade: int | None = None
    absences: int = 0

    @property
    def average(self) -> float | None:
        return weighted_average(self.weights)


@dataclass(frozen=True)
class DatedLine:
    """A dated line of a list: homework, a test, a change, a recommendation, an absence."""

    on: date
    subject: str
    text: str


@dataclass
class ExtractContent:
    """Everything one extract prints, for one child and one guardian."""

    number: int
    student_id: int
    guardian_id: int
    student: str
    guardian: str
    class_name: str
    class_teacher: str
    date_from: date
    date_to: date
    period: str | None
    printed_at: datetime
    subjects: list[ExtractSubject]
    absences: list[DatedLine]
    homework: list[DatedLine]
    tests: list[DatedLine]
    changes: list[DatedLine]
    recommendations: list[DatedLine]
    reprint_of: int | None = None
    # Class teacher's messages to this paper-route family not printed before.
    messages: list[DatedLine] = field(default_factory=list)


@dataclass
class _Journal:
    """The range's journal of several students, loaded in a few queries."""

    subjects: dict[int, dict[str, ExtractSubject]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    absences: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    homework: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    tests: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    changes: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    recommendations: dict[int, list[DatedLine]] = field(
        default_factory=lambda: defaultdict(list)
    )
    covered: dict[int, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


def _subject_of(journal: _Journal, student_id: int, name: str) -> ExtractSubject:
    return journal.subjects[student_id].setdefault(name, ExtractSubject(name))


def _member_lessons(
    student_ids: list[int], date_from: date, date_to: date
) -> Select[int, Lesson]:
    """Lessons of the students' groups in the range while they were members."""
    return (
        select(GroupMembership.student_id, Lesson)
        .join(Lesson, Lesson.group_id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id.in_(student_ids),
            Lesson.lesson_date.between(date_from, date_to),
            Lesson.lesson_date >= GroupMembership.starts_on,
            or_(GroupMembership.ends_on.is_(None), Lesson.lesson_date <= GroupMembership.ends_on),
        )
    )


@dataclass(frozen=True)
class _Reading:
    """What one batch reads: these students' journal between two dates."""

    session: Session
    student_ids: list[int]
    date_from: date
    date_to: date
    subject_names: dict[int, str]


def _read_marks(reading: _Reading, journal: _Journal) -> None:
    names = reading.subject_names
    ids = reading.student_ids
    in_range = in_students_lessons(reading.session, ids, reading.date_from, reading.date_to)
    for grade_id, student_id, value, kind, weight, on, subject_id in reading.session.execute(
        select(Grade.id, Grade.student_id, Grade.value, Grade.kind, Grade.weight,
               Lesson.lesson_date, Lesson.subject_id)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(Grade.student_id.in_(ids), in_range)
        .order_by(Lesson.lesson_date, Lesson.number, Grade.id)
    ):
        subject = _subject_of(journal, student_id, names[subject_id])
        subject.grades.append(ExtractGrade(on, value, kind))
        subject.weights.append((value, weight))
        journal.covered[student_id]["grades"].append(grade_id)
    for absence_id, student_id, mark, on, subject_id in reading.session.execute(
        select(Absence.id, Absence.student_id, Absence.mark, Lesson.lesson_date,
               Lesson.subject_id)
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(Absence.student_id.in_(ids), in_range)
        .order_by(Lesson.lesson_date, Lesson.number)
    ):
        name = names[subject_id]
        if mark is not AbsenceMark.LATE:
            _subject_of(journal, student_id, name).absences += 1
        journal.absences[student_id].append(
            DatedLine(on, name, f"{mark.value} — {ABSENCE_TITLES[mark]}")
        )
        journal.covered[student_id]["absences"].append(absence_id)


def _read_lessons(reading: _Reading, journal: _Journal) -> None:
    names = reading.subject_names
    lessons = _member_lessons(reading.student_ids, reading.date_from, reading.date_to)
    for student_id, lesson in reading.session.execute(
        lessons.where(Lesson.homework.is_not(None), Lesson.homework != "")
        .order_by(Lesson.lesson_date, Lesson.number)
    ):
        journal.homework[student_id].append(
            DatedLine(lesson.lesson_date, names[lesson.subject_id], lesson.homework or "")
        )
        journal.covered[student_id]["homework"].append(lesson.id)
    staff = aliased(Staff)
    for student_id, lesson, change, new_teacher in reading.session.execute(
        lessons.add_columns(LessonChange, staff.last_name)
        .join(LessonChange, LessonChange.lesson_id == Lesson.id)
        .outerjoin(staff, staff.id == LessonChange.new_staff_id)
        .order_by(Lesson.lesson_date, Lesson.number, LessonChange.id)
    ):
        journal.changes[student_id].append(
            DatedLine(lesson.lesson_date, names[lesson.subject_id],
                      _change_text(lesson, change, new_teacher))
        )
        journal.covered[student_id]["changes"].append(change.id)


def _read_tests(reading: _Reading, journal: _Journal) -> None:
    for student_id, test_id, on, subject_id, title, moved_from, reason in reading.session.execute(
        select(GroupMembership.student_id, PlannedTest.id, PlannedTest.planned_on,
               PlannedTest.subject_id, PlannedTest.title, PlannedTest.moved_from,
               PlannedTest.cancel_reason)
        .join(PlannedTest, PlannedTest.group_id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id.in_(reading.student_ids),
            PlannedTest.planned_on.between(reading.date_from, reading.date_to),
            PlannedTest.planned_on >= GroupMembership.starts_on,
            or_(GroupMembership.ends_on.is_(None),
                PlannedTest.planned_on <= GroupMembership.ends_on),
        )
        .order_by(PlannedTest.planned_on)
    ):
        change = TestItem(test_id, on, "", title, moved_from, reason).change
        text = f"{title} ({change})" if change else title
        journal.tests[student_id].append(DatedLine(on, reading.subject_names[subject_id], text))
        journal.covered[student_id]["tests"].append(test_id)


def _read_teachers_words(reading: _Reading, journal: _Journal) -> None:
    """Recommendations written in the range and period grades of periods ending in it."""
    since = datetime.combine(reading.date_from, time.min, UTC)
    until = datetime.combine(reading.date_to + timedelta(days=1), time.min, UTC)
    for rec in reading.session.execute(
        recommendations_query(reading.student_ids)
        .where(Recommendation.created_at >= since, Recommendation.created_at < until)
        .order_by(None)
        .order_by(Recommendation.created_at)
    ):
        author = f" ({rec.Staff.short_name})" if rec.Staff else ""
        journal.recommendations[rec.student_id].append(
            DatedLine(rec.created_at.date(), rec.subject, rec.text + author)
        )
        journal.covered[rec.student_id]["recommendations"].append(rec.id)
    for pg_id, student_id, subject_id, value in reading.session.execute(
        select(PeriodGrade.id, PeriodGrade.student_id, PeriodGrade.subject_id, PeriodGrade.value)
        .join(ReportingPeriod, ReportingPeriod.id == PeriodGrade.period_id)
        .where(
            PeriodGrade.student_id.in_(reading.student_ids),
            ReportingPeriod.ends_on.between(reading.date_from, reading.date_to),
        )
    ):
        _subject_of(journal, student_id, reading.subject_names[subject_id]).period_grade = value
        journal.covered[student_id]["period_grades"].append(pg_id)


def _load_journal(
    session: Session, student_ids: list[int], date_from: date, date_to: date
) -> _Journal:
    names = dict(session.execute(select(Subject.id, Subject.name)).all())
    reading = _Reading(session, student_ids, date_from, date_to, names)
    journal = _Journal()
    for read in (_read_marks, _read_lessons, _read_tests, _read_teachers_words):
        read(reading, journal)
    return journal


def _change_text(lesson: Lesson, change: LessonChange, new_teacher: str | None) -> str:
    title = LESSON_CHANGE_TITLES[change.kind]
    if change.kind is LessonChangeKind.SUBSTITUTION and new_teacher:
        title += f": ведёт {new_teacher}"
    elif change.kind is LessonChangeKind.MOVE and change.new_date is not None:
        title += f" на {change.new_date.strftime('%d.%m')}"
        if change.new_number is not None:
            title += f", {change.new_number}-й урок"
    return f"{lesson.number}-й урок, {title}"


def _digest(covered: dict[str, Any]) -> str:
    payload = json.dumps(covered, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- printing


@dataclass(frozen=True)
class Family:
    """A guardian and one own child of the class: who gets one extract."""

    guardian_id: int
    student_id: int


def _check_range(
    session: Session, date_from: date | None, date_to: date | None, period_id: int | None
) -> tuple[date, date, ReportingPeriod | None]:
    period = None
    if period_id is not None:
        period = get_or_404(session, ReportingPeriod, period_id, "Учебный период не найден.")
        return period.starts_on, period.ends_on, period
    if date_from is None or date_to is None:
        raise DomainError("Укажите период выписки: даты «с» и «по» или учебный период.")
    if date_from > date_to:
        raise DomainError("Дата «с» позже даты «по».")
    if (date_to - date_from).days > MAX_RANGE_DAYS:
        raise DomainError(f"Выписка — не больше чем за {MAX_RANGE_DAYS} дней.")
    return date_from, date_to, period


def _chosen_families(
    session: Session,
    actor: Actor,
    school_class: SchoolClass,
    people: ClassPeople,
    *,
    on: date,
    families: Collection[Family] | None,
    one_per_child: bool,
) -> list[Family]:
    """The families to print for: those asked for (all of the class), or the paper list."""
    if families is not None:
        chosen = list(dict.fromkeys(families))
        for family in chosen:
            if family.student_id not in people.children.get(family.guardian_id, []):
                raise PermissionDenied(
                    f"Родитель и ребёнок не из {school_class.name} класса: ничего не напечатано."
                )
    else:
        board = class_consent(session, actor, class_id=school_class.id, on=on)
        chosen = [Family(p.guardian_id, p.student_id) for p in board.paper]
        if one_per_child:
            first: dict[int, Family] = {}
            for family in chosen:
                first.setdefault(family.student_id, family)
            chosen = list(first.values())
    if not chosen:
        raise DomainError("Печатать некому: в списке нет ни одной семьи.")
    return chosen


def _covered(
    journal: _Journal, ledger: dict[int, Any], student_id: int, reprint_of: int | None
) -> dict[str, Any]:
    """What an extract shows, by kind of item: what a returned slip acknowledges."""
    covered: dict[str, Any] = {k: list(v) for k, v in sorted(journal.covered[student_id].items())}
    # What the ledger records when the signed slip comes back (channel «бумага»).
    covered["ledger"] = ledger[student_id]
    if reprint_of is not None:
        covered["reprint_of"] = reprint_of
    return covered


def _register(
    session: Session,
    actor: Actor,
    class_id: int,
    chosen: list[Family],
    journal: _Journal,
    extent: tuple[date, date, int | None],
    *,
    now: datetime,
    reprint_of: int | None,
) -> list[PaperExtract]:
    """The register's rows of the extracts, with what each covers and the ledger's snapshot."""
    start, end, period_id = extent
    ledger = paper_snapshots(
        session, date_from=start, date_to=end,
        printed={
            student_id: PrintedItems(
                journal.covered[student_id]["period_grades"],
                journal.covered[student_id]["recommendations"],
            )
            for student_id in dict.fromkeys(f.student_id for f in chosen)
        },
    )
    rows = []
    for family in chosen:
        covered = _covered(journal, ledger, family.student_id, reprint_of)
        rows.append(PaperExtract(
            class_id=class_id, student_id=family.student_id, guardian_id=family.guardian_id,
            date_from=start, date_to=end, period_id=period_id, printed_at=now,
            printed_by_user_id=actor.user_id, printed_by=actor.login[:80],
            covered=covered, digest=_digest(covered),
        ))
    session.add_all(rows)
    session.flush()
    return rows


def _paper_messages(session: Session, guardian_id: int, student_id: int) -> list[DatedLine]:
    """Messages waiting for this paper family, marked printed as they go on the extract."""
    waiting = [m for _, m in paper_messages(session, guardian_id=guardian_id,
                                            student_ids=[student_id])]
    mark_printed(session, guardian_id=guardian_id, message_ids=[m.id for m in waiting])
    return [DatedLine(m.created_at.date(), m.title, m.body) for m in waiting]


def print_extracts(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    date_from: date | None = None,
    date_to: date | None = None,
    period_id: int | None = None,
    families: Collection[Family] | None = None,
    one_per_child: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    reprint_of: int | None = None,
) -> list[ExtractContent]:
    """Register one extract per family (None: the class's paper list) and return their content.

    The school chooses whether each paper guardian gets an own extract of the child or the
    child carries one home (`one_per_child`: to the first guardian of the paper list).
    `reprint_of` marks a reprint: the register shows which earlier number it replaces.
    """
    require_class_scope(session, actor, class_id, Action.PRINT_EXTRACTS)
    start, end, period = _check_range(session, date_from, date_to, period_id)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    people = class_people(session, class_id, on)
    chosen = _chosen_families(
        session, actor, school_class, people, on=on, families=families,
        one_per_child=one_per_child,
    )
    journal = _load_journal(session, sorted({f.student_id for f in chosen}), start, end)
    now = now or utcnow()
    rows = _register(
        session, actor, class_id, chosen, journal,
        (start, end, period.id if period else None), now=now, reprint_of=reprint_of,
    )
    teacher = school_class.class_teacher.full_name if school_class.class_teacher else "—"
    contents: list[ExtractContent] = []
    for index, (family, row) in enumerate(zip(chosen, rows, strict=True), start=1):
        student_id = family.student_id
        contents.append(ExtractContent(
            number=row.id, student_id=student_id, guardian_id=family.guardian_id,
            student=people.students[student_id].full_name,
            guardian=people.guardians[family.guardian_id].full_name,
            class_name=school_class.name, class_teacher=teacher, date_from=start, date_to=end,
            period=period.name if period else None, printed_at=now,
            subjects=sorted(journal.subjects[student_id].values(), key=lambda s: s.subject),
            absences=journal.absences[student_id], homework=journal.homework[student_id],
            tests=journal.tests[student_id], changes=journal.changes[student_id],
            recommendations=journal.recommendations[student_id], reprint_of=reprint_of,
            messages=_paper_messages(session, family.guardian_id, student_id),
        ))
        if progress is not None:
            progress(index, len(chosen))
    return contents


# ---------------------------------------------------------------- the register


@dataclass(frozen=True)
class RegisterRow:
    """One printed extract in the class's register."""

    number: int
    student: str
    guardian: str
    date_from: date
    date_to: date
    printed_at: datetime
    printed_by: str
    handed_on: date | None
    returned_on: date | None
    reprint_of: int | None = None


def extract_register(
    session: Session, actor: Actor, *, class_id: int, on: date
) -> list[RegisterRow]:
    """Every extract printed for the class, newest first."""
    require_class_scope(session, actor, class_id, Action.VIEW_EXTRACTS)
    return [
        RegisterRow(
            number=row.id,
            student=f"{s_last} {s_first}",
            guardian=f"{g_last} {g_first}",
            date_from=row.date_from,
            date_to=row.date_to,
            printed_at=row.printed_at,
            printed_by=row.printed_by,
            handed_on=row.handed_on,
            returned_on=row.returned_on,
            reprint_of=row.covered.get("reprint_of"),
        )
        for row, s_last, s_first, g_last, g_first in session.execute(
            select(PaperExtract, Student.last_name, Student.first_name, Guardian.last_name,
                   Guardian.first_name)
            .join(Student, Student.id == PaperExtract.student_id)
            .join(Guardian, Guardian.id == PaperExtract.guardian_id)
            .where(
                PaperExtract.class_id == class_id,
                # History through a family that is the class's today: a pupil who left, or a
                # guardian whose link ended, takes their extracts out of this register.
                tuple_(PaperExtract.guardian_id, PaperExtract.student_id).in_(
                    families_of_class_query(class_id, on)
                ),
            )
            .order_by(PaperExtract.id.desc())
        )
    ]


def _own_extract(session: Session, actor: Actor, extract_id: int, on: date) -> PaperExtract:
    extract = get_or_404(session, PaperExtract, extract_id, f"Выписка № {extract_id} не найдена.")
    require_family_of_class(
        session, actor, class_id=extract.class_id, guardian_id=extract.guardian_id,
        student_id=extract.student_id, on=on, action=Action.PRINT_EXTRACTS,
    )
    return extract


def reprint_extract(
    session: Session, actor: Actor, *, extract_id: int, on: date, now: datetime | None = None
) -> ExtractContent:
    """Print an extract again for the same child, guardian and range, as the journal is now.

    The reprint gets a new number that refers to the old one: the register keeps both, and a
    slip that comes back is matched to what the family was actually handed.
    """
    extract = _own_extract(session, actor, extract_id, on)
    (content,) = print_extracts(
        session, actor, class_id=extract.class_id, on=on,
        date_from=extract.date_from, date_to=extract.date_to, period_id=extract.period_id,
        families=[Family(extract.guardian_id, extract.student_id)], now=now,
        reprint_of=extract.id,
    )
    return content


def _check_day(day: date, extract: PaperExtract, on: date) -> None:
    if day > on:
        raise DomainError("Дата не может быть в будущем.")
    if day < extract.printed_at.date():
        raise DomainError(f"Выписка № {extract.id} напечатана позже этой даты.")


def mark_handed(session: Session, actor: Actor, *, extract_id: int, handed_on: date,
                on: date) -> None:
    """Record the day the extract was handed to the family."""
    extract = _own_extract(session, actor, extract_id, on)
    _check_day(handed_on, extract, on)
    extract.handed_on = handed_on
    session.flush()


@read_modify_write("the extract's row locked before «returned» is checked")
def mark_returned(session: Session, actor: Actor, *, extract_id: int, returned_on: date,
                  on: date) -> None:
    """Record the signed slip's return: the family acknowledged what the extract showed."""
    # A second session marking the same slip waits here and then sees it returned.
    (extract,) = lock_rows(session, PaperExtract, [_own_extract(session, actor, extract_id, on).id])
    _check_day(returned_on, extract, on)
    if extract.returned_on is not None:
        raise DomainError(f"Талон выписки № {extract.id} уже отмечен возвращённым.")
    if extract.handed_on is None:
        extract.handed_on = returned_on
    elif returned_on < extract.handed_on:
        raise DomainError("Талон не может вернуться раньше, чем выписка выдана.")
    extract.returned_on = returned_on
    session.flush()
    record_paper_acknowledgements(session, actor, extract_id=extract.id, on=on)


# ---------------------------------------------------------------- schedule and reminders


@read_modify_write("the class row locked before the schedule is looked up")
def set_schedule(session: Session, actor: Actor, *, class_id: int,
                 frequency: ExtractFrequency, starts_on: date) -> None:
    """How often the class's paper families get an extract."""
    require_class_scope(session, actor, class_id, Action.PRINT_EXTRACTS)
    # Two first schedules at once: the second waits, then finds the first and updates it.
    lock_rows(session, SchoolClass, [class_id])
    schedule = session.get(ExtractSchedule, class_id)
    if schedule is None:
        session.add(ExtractSchedule(class_id=class_id, frequency=frequency, starts_on=starts_on,
                                    set_by=actor.login[:80]))
    else:
        schedule.frequency, schedule.starts_on = frequency, starts_on
        schedule.set_by, schedule.set_at = actor.login[:80], utcnow()
    session.flush()


def schedule_of(session: Session, actor: Actor, *, class_id: int) -> ExtractSchedule | None:
    """The class's schedule, if set."""
    require_class_scope(session, actor, class_id, Action.VIEW_EXTRACTS)
    return session.get(ExtractSchedule, class_id)


def due_range(session: Session, schedule: ExtractSchedule, on: date) -> tuple[date, date] | None:
    """The latest finished unit of the schedule (a week, two weeks, a period) before `on`."""
    if schedule.frequency is ExtractFrequency.PERIOD:
        period = session.scalars(
            select(ReportingPeriod)
            .where(in_current_year(ReportingPeriod.school_year_id), ReportingPeriod.ends_on < on)
            .order_by(ReportingPeriod.ends_on.desc())
            .limit(1)
        ).first()
        return (period.starts_on, period.ends_on) if period else None
    length = 7 if schedule.frequency is ExtractFrequency.WEEKLY else 14
    if on <= schedule.starts_on + timedelta(days=length - 1):
        return None
    units = (on - schedule.starts_on).days // length
    start = schedule.starts_on + timedelta(days=(units - 1) * length)
    return start, start + timedelta(days=length - 1)


@dataclass(frozen=True)
class DueExtracts:
    """A class whose paper families are due an extract for a range."""

    class_id: int
    class_name: str
    date_from: date
    date_to: date
    families: list[Family]


def due_extracts(session: Session, actor: Actor, *, on: date) -> list[DueExtracts]:
    """For the actor's own classes: paper families with no extract yet for the due range."""
    due: list[DueExtracts] = []
    for school_class, schedule in session.execute(
        select(SchoolClass, ExtractSchedule)
        .join(ExtractSchedule, ExtractSchedule.class_id == SchoolClass.id)
        .where(
            in_current_year(SchoolClass.school_year_id),
            SchoolClass.id.in_(own_class_ids_query(actor)),
        )
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ):
        span = due_range(session, schedule, on)
        if span is None:
            continue
        board = class_consent(session, actor, class_id=school_class.id, on=on)
        printed = set(
            session.execute(
                select(PaperExtract.guardian_id, PaperExtract.student_id).where(
                    PaperExtract.class_id == school_class.id,
                    and_(PaperExtract.date_from <= span[0], PaperExtract.date_to >= span[1]),
                )
            )
        )
        families = [
            Family(p.guardian_id, p.student_id)
            for p in board.paper
            if (p.guardian_id, p.student_id) not in printed
        ]
        if families:
            due.append(DueExtracts(school_class.id, school_class.name, span[0], span[1], families))
    return due

