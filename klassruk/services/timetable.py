"""The weekly timetable, lessons generated from it, and announced changes to lessons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from klassruk.clock import utcnow
from klassruk.cyrillic import normalize_class_name
from klassruk.errors import DomainError, NotFound
from klassruk.formatting import bullet_list, format_date, quote
from klassruk.models import (
    AuditLog,
    ReportingPeriod,
    SchoolClass,
    Staff,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.models.journal import (
    Grade,
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
    TimetableSlot,
)
from klassruk.permissions import Action, Actor, require
from klassruk.services import calendar
from klassruk.services.journal.common import school_today
from klassruk.services.locking import lock_rows
from klassruk.services.lookup import get_or_404
from klassruk.services.notifications import events
from klassruk.services.spreadsheets import read_table
from klassruk.text_policy import clean_text

WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб")
_WEEKDAY_NAMES = {
    **{name.lower(): i + 1 for i, name in enumerate(WEEKDAYS)},
    **{
        name: i + 1
        for i, name in enumerate(
            ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота")
        )
    },
    **{str(i): i for i in range(1, 7)},
}
INSERT_BATCH = 5000


@dataclass(frozen=True)
class SlotRow:
    """A timetable slot as lists show it."""

    slot_id: int
    weekday: int
    lesson_number: int
    group: str
    subject: str
    teacher: str
    room: str


def _check_slot(
    session: Session,
    *,
    group_id: int,
    subject_id: int,
    staff_id: int,
    weekday: int,
    lesson_number: int,
    ignore: set[tuple[str, int, int, int]] | None = None,
) -> str | None:
    """The reason a slot cannot be added, or None."""
    if not 1 <= weekday <= 6:
        return "день недели — от понедельника до субботы"
    if not 0 <= lesson_number <= 10:
        return "номер урока — от 0 до 10"
    if session.get(StudyGroup, group_id) is None:
        return "учебная группа не найдена"
    if session.get(Subject, subject_id) is None:
        return "предмет не найден"
    if session.get(Staff, staff_id) is None:
        return "учитель не найден"
    taken = ignore or set()

    def busy(kind: str, owner: InstrumentedAttribute[int], owner_id: int) -> bool:
        return (kind, owner_id, weekday, lesson_number) in taken or session.scalar(
            select(TimetableSlot.id).where(
                owner == owner_id,
                TimetableSlot.weekday == weekday,
                TimetableSlot.lesson_number == lesson_number,
            )
        ) is not None

    if busy("group", TimetableSlot.group_id, group_id):
        return f"у группы уже есть {lesson_number}-й урок в {WEEKDAYS[weekday - 1]}"
    if busy("staff", TimetableSlot.staff_id, staff_id):
        return f"учитель уже ведёт {lesson_number}-й урок в {WEEKDAYS[weekday - 1]}"
    return None


def add_slot(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    staff_id: int,
    weekday: int,
    lesson_number: int,
    room: str = "",
) -> TimetableSlot:
    """Add a weekly timetable slot (deputy head)."""
    require(actor, Action.MANAGE_CALENDAR)
    year = calendar.current_year(session)
    problem = _check_slot(
        session,
        group_id=group_id,
        subject_id=subject_id,
        staff_id=staff_id,
        weekday=weekday,
        lesson_number=lesson_number,
    )
    if problem:
        raise DomainError(f"Урок не добавлен: {problem}.")
    slot = TimetableSlot(
        school_year_id=year.id,
        group_id=group_id,
        subject_id=subject_id,
        staff_id=staff_id,
        weekday=weekday,
        lesson_number=lesson_number,
        room=room.strip() or None,
    )
    session.add(slot)
    session.flush()
    return slot


def delete_slot(session: Session, actor: Actor, *, slot_id: int) -> None:
    """Remove a slot; lessons already generated from it stay."""
    require(actor, Action.MANAGE_CALENDAR)
    slot = get_or_404(session, TimetableSlot, slot_id, "Урок расписания не найден.")
    session.delete(slot)
    session.flush()


def class_timetable(session: Session, *, class_id: int) -> list[SlotRow]:
    """The weekly timetable of a class's groups (public: families see it too)."""
    query = (
        select(TimetableSlot, StudyGroup.name, Subject.name, Staff)
        .join(StudyGroup, StudyGroup.id == TimetableSlot.group_id)
        .join(Subject, Subject.id == TimetableSlot.subject_id)
        .join(Staff, Staff.id == TimetableSlot.staff_id)
        .where(StudyGroup.class_id == class_id)
        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number, StudyGroup.name)
    )
    return [
        SlotRow(
            slot.id,
            slot.weekday,
            slot.lesson_number,
            group,
            subject,
            staff.short_name,
            slot.room or "",
        )
        for slot, group, subject, staff in session.execute(query)
    ]


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportResult:
    """How many slots an import added, and how the file was read (which sheet)."""

    added: int
    notes: tuple[str, ...] = ()


IMPORT_COLUMNS = ("Группа", "День", "Урок", "Предмет", "Учитель", "Кабинет")
MAX_IMPORT_ROWS = 5000
MAX_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class _ImportNames:
    """What the names typed in a timetable file refer to: groups, subjects, teachers."""

    groups: dict[str, int]
    subjects: dict[str, int]
    teachers: dict[str, int]

    def group(self, text: str) -> int | None:
        # «7A» typed with a Latin A is the class 7А.
        return self.groups.get(text.lower()) or self.groups.get(
            (normalize_class_name(text) or text).lower()
        )

    def teacher(self, text: str) -> int | None:
        return self.teachers.get(text.lower().replace("ё", "е"))


def _import_names(session: Session, year_id: int) -> _ImportNames:
    groups = {
        name.lower(): gid
        for gid, name in session.execute(
            select(StudyGroup.id, StudyGroup.name).where(StudyGroup.school_year_id == year_id)
        )
    }
    for gid, grade, letter in session.execute(
        select(StudyGroup.id, SchoolClass.grade, SchoolClass.letter)
        .join(SchoolClass, SchoolClass.id == StudyGroup.class_id)
        .where(StudyGroup.school_year_id == year_id, StudyGroup.kind == "whole_class")
    ):
        name = f"{grade}{letter}"
        groups.setdefault((normalize_class_name(name) or name).lower(), gid)
    subjects = {
        key.lower(): sid
        for sid, name, short in session.execute(
            select(Subject.id, Subject.name, Subject.short_name)
        )
        for key in (name, short)
    }
    teachers: dict[str, int] = {}
    for staff in session.scalars(select(Staff)):
        for key in (staff.full_name, staff.short_name, staff.short_name.replace(" ", "")):
            teachers.setdefault(key.lower().replace("ё", "е"), staff.id)
    return _ImportNames(groups, subjects, teachers)


def _slot_values(
    session: Session,
    names: _ImportNames,
    cells: dict[str, str],
    taken: set[tuple[str, int, int, int]],
) -> dict[str, object] | str:
    """The new slot's values from one file row, or what is wrong with the row."""
    group_id = names.group(cells["Группа"])
    weekday = _WEEKDAY_NAMES.get(cells["День"].lower().rstrip("."))
    number_text = cells["Урок"].removesuffix(".0")
    subject_id = names.subjects.get(cells["Предмет"].lower())
    staff_id = names.teacher(cells["Учитель"])
    problems = [
        message
        for missing, message in (
            (group_id is None, f"группа {quote(cells['Группа'])} не найдена"),
            (weekday is None, f"день {quote(cells['День'])} не понят (Пн…Сб)"),
            (not number_text.isdigit(), f"номер урока {quote(cells['Урок'])} — не число"),
            (subject_id is None, f"предмет {quote(cells['Предмет'])} не найден"),
            (staff_id is None, f"учитель {quote(cells['Учитель'])} не найден"),
        )
        if missing
    ]
    if problems:
        return "; ".join(problems)
    assert group_id is not None and weekday is not None
    assert subject_id is not None and staff_id is not None
    number = int(number_text)
    problem = _check_slot(
        session,
        group_id=group_id,
        subject_id=subject_id,
        staff_id=staff_id,
        weekday=weekday,
        lesson_number=number,
        ignore=taken,
    )
    if problem:
        return problem
    taken.add(("group", group_id, weekday, number))
    taken.add(("staff", staff_id, weekday, number))
    return {
        "group_id": group_id,
        "subject_id": subject_id,
        "staff_id": staff_id,
        "weekday": weekday,
        "lesson_number": number,
        "room": cells["Кабинет"] or None,
    }


def import_slots(session: Session, actor: Actor, *, data: bytes, filename: str) -> ImportResult:
    """Import the timetable from XLSX or CSV (UTF-8 with ',' or cp1251 with ';'); all or nothing.

    Columns: Группа (a group name or a class such as «7А»), День (Пн…Сб or 1…6), Урок (number),
    Предмет, Учитель (Фамилия И. О. or full name), Кабинет.
    """
    require(actor, Action.MANAGE_CALENDAR)
    year = calendar.current_year(session)
    table = read_table(data, filename, max_rows=MAX_IMPORT_ROWS)
    header = [h.lower() for h in table.header]
    missing = [c for c in IMPORT_COLUMNS[:5] if c.lower() not in header]
    if missing:
        raise DomainError(
            "В первой строке нет столбцов: " + ", ".join(f"«{c}»" for c in missing) + "."
        )
    index = {c: header.index(c.lower()) for c in IMPORT_COLUMNS if c.lower() in header}
    names = _import_names(session, year.id)
    errors: list[str] = []
    planned: list[dict[str, object]] = []
    taken: set[tuple[str, int, int, int]] = set()
    for row in table.rows:
        cells = {column: row.get(index.get(column)) for column in IMPORT_COLUMNS}
        values = _slot_values(session, names, cells, taken)
        if isinstance(values, str):
            errors.append(f"строка {row.number}: {values}")
        else:
            planned.append(values)
    if errors:
        raise DomainError(
            "Расписание не загружено, ничего не изменено:\n" + bullet_list(errors, MAX_ERRORS_SHOWN)
        )
    for slot_values in planned:
        session.add(TimetableSlot(school_year_id=year.id, **slot_values))
    session.flush()
    return ImportResult(len(planned), table.notes)


# ---------------------------------------------------------------- lessons from the timetable


def _teaching_days(session: Session, starts_on: date, ends_on: date) -> list[date]:
    """The dates in the range that fall in a reporting period and are not holidays."""
    periods = list(
        session.execute(
            select(ReportingPeriod.starts_on, ReportingPeriod.ends_on).where(
                ReportingPeriod.starts_on <= ends_on, ReportingPeriod.ends_on >= starts_on
            )
        )
    )
    off = calendar.holiday_dates(session, starts_on, ends_on)
    return [
        day
        for day in calendar.dates_between(starts_on, ends_on)
        if day not in off and any(s <= day <= e for s, e in periods)
    ]


def _missing_lessons(
    session: Session, slots: list[TimetableSlot], days: list[date]
) -> list[dict[str, object]]:
    """Rows of the lessons the slots give on the days and do not have yet."""
    if not days:
        return []
    existing = {
        (slot_id, planned_on)
        for slot_id, planned_on in session.execute(
            select(Lesson.slot_id, Lesson.planned_on).where(
                Lesson.slot_id.in_([s.id for s in slots]),
                Lesson.planned_on.between(days[0], days[-1]),
            )
        )
    }
    by_weekday: dict[int, list[TimetableSlot]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot)
    return [
        {
            "group_id": slot.group_id,
            "subject_id": slot.subject_id,
            "staff_id": slot.staff_id,
            "lesson_date": day,
            "number": slot.lesson_number,
            "room": slot.room,
            "status": LessonStatus.SCHEDULED,
            "slot_id": slot.id,
            "planned_on": day,
        }
        for day in days
        for slot in by_weekday.get(day.isoweekday(), [])
        if (slot.id, day) not in existing
    ]


def generate_lessons(
    session: Session,
    actor: Actor,
    *,
    starts_on: date,
    ends_on: date,
    class_id: int | None = None,
) -> int:
    """Create the lessons of the timetable for the dates, skipping holidays and non-period days.

    Idempotent: a slot gives at most one lesson per planned date, even after a move.
    """
    require(actor, Action.MANAGE_CALENDAR)
    if starts_on > ends_on:
        raise DomainError("Начало позже конца.")
    query = select(TimetableSlot)
    if class_id is not None:
        query = query.join(StudyGroup, StudyGroup.id == TimetableSlot.group_id).where(
            StudyGroup.class_id == class_id
        )
    rows = _missing_lessons(
        session, list(session.scalars(query)), _teaching_days(session, starts_on, ends_on)
    )
    # Bulk insert: a year of a large school is ~100 000 lessons. Core inserts bypass the per-row
    # audit hook, so one summary row says who generated what (rows derive from the timetable).
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(Lesson), rows[start : start + INSERT_BATCH])
    if rows and not (actor.is_system and session.info.get("audit") is False):
        session.add(
            AuditLog(
                actor_user_id=actor.user_id,
                actor_login=actor.login,
                session_id=actor.session_id,
                operation="insert",
                entity="lesson",
                entity_id="bulk",
                changes={
                    "generated": len(rows),
                    "from": starts_on.isoformat(),
                    "to": ends_on.isoformat(),
                    "class_id": class_id,
                },
            )
        )
    session.flush()
    return len(rows)


# ---------------------------------------------------------------- changes


def _lesson(session: Session, lesson_id: int) -> Lesson:
    # Locked: two changes of one lesson at once must see each other, not the same old state.
    locked = lock_rows(session, Lesson, [lesson_id])
    if not locked:
        raise NotFound("Урок не найден.")
    return locked[0]


def _check_open(session: Session, lesson: Lesson) -> None:
    period = calendar.period_on(session, lesson.lesson_date)
    if period is not None and period.is_closed:
        raise DomainError(f"Период «{period.name}» закрыт: урок изменить нельзя.")
    if lesson.status == LessonStatus.CANCELLED:
        raise DomainError("Урок уже отменён.")


def _change(
    actor: Actor, lesson: Lesson, kind: LessonChangeKind, reason: str, at: datetime | None
) -> LessonChange:
    return LessonChange(
        lesson_id=lesson.id,
        kind=kind,
        announced_at=at or utcnow(),
        announced_by=actor.login,
        reason=clean_text(reason) or None,
    )


def _announce(session: Session, lesson: Lesson, change: LessonChange) -> None:
    today = school_today(session)
    events.emit(session, events.lesson_change_events(session, lesson, change, today=today))


def substitute_teacher(
    session: Session, actor: Actor, *, lesson_id: int, staff_id: int, reason: str = ""
) -> LessonChange:
    """Another teacher gives the lesson; the change is announced now."""
    require(actor, Action.MANAGE_CALENDAR)
    lesson = _lesson(session, lesson_id)
    _check_open(session, lesson)
    if session.get(Staff, staff_id) is None:
        raise NotFound("Учитель не найден.")
    if staff_id == lesson.staff_id:
        raise DomainError("Этот учитель и так ведёт урок.")
    # Whoever else is booking this teacher now waits, then sees this lesson in the check.
    lock_rows(session, Staff, [staff_id])
    busy = session.scalar(
        select(Lesson.id).where(
            Lesson.staff_id == staff_id,
            Lesson.lesson_date == lesson.lesson_date,
            Lesson.number == lesson.number,
            Lesson.status == LessonStatus.SCHEDULED,
        )
    )
    if busy:
        raise DomainError(
            f"Учитель занят: у него {lesson.number}-й урок {format_date(lesson.lesson_date)}."
        )
    change = _change(actor, lesson, LessonChangeKind.SUBSTITUTION, reason, None)
    change.old_staff_id, change.new_staff_id = lesson.staff_id, staff_id
    lesson.staff_id = staff_id
    session.add(change)
    session.flush()
    _announce(session, lesson, change)
    return change


def move_lesson(
    session: Session,
    actor: Actor,
    *,
    lesson_id: int,
    new_date: date,
    new_number: int,
    reason: str = "",
) -> LessonChange:
    """Move a lesson to another school day and/or lesson number."""
    require(actor, Action.MANAGE_CALENDAR)
    lesson = _lesson(session, lesson_id)
    _check_open(session, lesson)
    period = calendar.check_school_day(session, new_date)
    if period.is_closed:
        raise DomainError(f"Период «{period.name}» закрыт: переносить урок в него нельзя.")
    if not 0 <= new_number <= 10:
        raise DomainError("Номер урока — от 0 до 10.")
    if (new_date, new_number) == (lesson.lesson_date, lesson.number):
        raise DomainError("Урок уже стоит в это время.")
    # Other moves of this teacher's or this group's lessons wait until this one is decided.
    lock_rows(session, Staff, [lesson.staff_id])
    lock_rows(session, StudyGroup, [lesson.group_id])
    clash = session.scalar(
        select(Lesson.id).where(
            Lesson.id != lesson.id,
            Lesson.lesson_date == new_date,
            Lesson.number == new_number,
            Lesson.status == LessonStatus.SCHEDULED,
            or_(Lesson.group_id == lesson.group_id, Lesson.staff_id == lesson.staff_id),
        )
    )
    if clash:
        raise DomainError(
            f"{format_date(new_date)} {new_number}-й урок уже занят у группы или учителя."
        )
    change = _change(actor, lesson, LessonChangeKind.MOVE, reason, None)
    change.old_date, change.new_date = lesson.lesson_date, new_date
    change.old_number, change.new_number = lesson.number, new_number
    lesson.lesson_date, lesson.number = new_date, new_number
    session.add(change)
    session.flush()
    _announce(session, lesson, change)
    return change


def cancel_lesson(session: Session, actor: Actor, *, lesson_id: int, reason: str) -> LessonChange:
    """Cancel a lesson (with a reason for families); a lesson with grades cannot be cancelled."""
    require(actor, Action.MANAGE_CALENDAR)
    lesson = _lesson(session, lesson_id)
    _check_open(session, lesson)
    if not clean_text(reason):
        raise DomainError("Укажите причину отмены урока: её увидят родители.")
    if session.scalar(select(Grade.id).where(Grade.lesson_id == lesson.id).limit(1)):
        raise DomainError("На уроке уже выставлены оценки: отменить его нельзя.")
    lesson.status = LessonStatus.CANCELLED
    change = _change(actor, lesson, LessonChangeKind.CANCELLATION, reason, None)
    session.add(change)
    session.flush()
    _announce(session, lesson, change)
    return change


@dataclass(frozen=True)
class ChangeRow:
    """An announced change as families see it."""

    lesson_id: int
    kind: LessonChangeKind
    lesson_date: date
    number: int
    group: str
    subject: str
    announced_at: datetime
    old_teacher: str
    new_teacher: str
    old_date: date | None
    old_number: int | None
    reason: str


def lesson_changes(
    session: Session, *, starts_on: date, ends_on: date, class_id: int | None = None
) -> list[ChangeRow]:
    """Changes of lessons that fall in the dates (public: families see them), newest first."""
    old_staff, new_staff = aliased(Staff), aliased(Staff)
    query = (
        select(LessonChange, Lesson, StudyGroup.name, Subject.name, old_staff, new_staff)
        .join(Lesson, Lesson.id == LessonChange.lesson_id)
        .join(StudyGroup, StudyGroup.id == Lesson.group_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(old_staff, old_staff.id == LessonChange.old_staff_id)
        .outerjoin(new_staff, new_staff.id == LessonChange.new_staff_id)
        .where(Lesson.lesson_date.between(starts_on, ends_on))
        .order_by(LessonChange.announced_at.desc())
    )
    if class_id is not None:
        query = query.where(StudyGroup.class_id == class_id)
    return [
        ChangeRow(
            lesson.id,
            change.kind,
            lesson.lesson_date,
            lesson.number,
            group,
            subject,
            change.announced_at,
            old.short_name if old else "",
            new.short_name if new else "",
            change.old_date,
            change.old_number,
            change.reason or "",
        )
        for change, lesson, group, subject, old, new in session.execute(query)
    ]


@dataclass(frozen=True)
class LessonRow:
    """A lesson of a day, for choosing one to change."""

    lesson_id: int
    number: int
    group: str
    subject: str
    teacher: str
    status: LessonStatus


def lessons_on(session: Session, actor: Actor, *, on: date, class_id: int) -> list[LessonRow]:
    """The lessons of a class's groups on a date (deputy head)."""
    require(actor, Action.MANAGE_CALENDAR)
    return [
        LessonRow(lesson.id, lesson.number, group, subject, staff.short_name, lesson.status)
        for lesson, group, subject, staff in session.execute(
            select(Lesson, StudyGroup.name, Subject.name, Staff)
            .join(StudyGroup, StudyGroup.id == Lesson.group_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .join(Staff, Staff.id == Lesson.staff_id)
            .where(Lesson.lesson_date == on, StudyGroup.class_id == class_id)
            .order_by(Lesson.number, StudyGroup.name)
        )
    ]


@dataclass(frozen=True)
class Substitute:
    """A teacher who might take a lesson, and whether they have none of their own then."""

    staff_id: int
    name: str
    is_free: bool


def substitutes(session: Session, actor: Actor, *, on: date, number: int) -> list[Substitute]:
    """Teachers with a teaching load, those free at that date and lesson number first."""
    require(actor, Action.MANAGE_CALENDAR)
    busy = (
        select(Lesson.id)
        .where(
            Lesson.staff_id == Staff.id,
            Lesson.lesson_date == on,
            Lesson.number == number,
            Lesson.status == LessonStatus.SCHEDULED,
        )
        .exists()
    )
    return [
        Substitute(staff.id, staff.full_name, not is_busy)
        for staff, is_busy in session.execute(
            select(Staff, busy)
            .where(Staff.id.in_(select(TeachingAssignment.staff_id)))
            .order_by(busy, Staff.last_name, Staff.first_name)
        )
    ]


@dataclass(frozen=True)
class LoadOption:
    """A teaching assignment of a class's group, offered when adding a slot."""

    group_id: int
    subject_id: int
    staff_id: int
    label: str


def load_options(session: Session, *, class_id: int) -> list[LoadOption]:
    """The class's groups × subjects × teachers from the teaching load."""
    return [
        LoadOption(group_id, subject_id, staff.id, f"{group} — {subject} — {staff.short_name}")
        for group_id, subject_id, group, subject, staff in session.execute(
            select(
                TeachingAssignment.group_id,
                TeachingAssignment.subject_id,
                StudyGroup.name,
                Subject.name,
                Staff,
            )
            .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .join(Staff, Staff.id == TeachingAssignment.staff_id)
            .where(StudyGroup.class_id == class_id)
            .order_by(StudyGroup.name, Subject.name)
        )
    ]
