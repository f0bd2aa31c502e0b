"""Weekly timetable slots: adding, removing, the class's week and what may fill a slot."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError
from klassruk.models.journal import TimetableSlot
from klassruk.models.school import Staff, StudyGroup, Subject, TeachingAssignment
from klassruk.services import calendar
from klassruk.services.locking import lock_name, lock_or_404, read_modify_write, refuse_duplicate

WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб")
# Adding slots and importing the timetable take this transaction lock (see add_slot).
SLOTS_LOCK = "timetable.slots"


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


def slot_problem(
    session: Session, slot: TimetableSlot, *, ignore: set[tuple[str, int, int, int]] | None = None
) -> str | None:
    """The reason a new slot cannot be added (`ignore`: hours a file books before it), or None."""
    weekday, lesson_number = slot.weekday, slot.lesson_number
    if not 1 <= weekday <= 6:
        return "день недели — от понедельника до субботы"
    if not 0 <= lesson_number <= 10:
        return "номер урока — от 0 до 10"
    if session.get(StudyGroup, slot.group_id) is None:
        return "учебная группа не найдена"
    if session.get(Subject, slot.subject_id) is None:
        return "предмет не найден"
    if session.get(Staff, slot.staff_id) is None:
        return "учитель не найден"
    taken = ignore or set()

    def busy(kind: str, owner: InstrumentedAttribute[int], owner_id: int) -> bool:
        return (kind, owner_id, weekday, lesson_number) in taken or session.scalar(
            select(TimetableSlot.id).where(
                owner == owner_id,
                TimetableSlot.school_year_id == slot.school_year_id,  # last year's are history
                TimetableSlot.weekday == weekday,
                TimetableSlot.lesson_number == lesson_number,
            )
        ) is not None

    if busy("group", TimetableSlot.group_id, slot.group_id):
        return f"у группы уже есть {lesson_number}-й урок в {WEEKDAYS[weekday - 1]}"
    if busy("staff", TimetableSlot.staff_id, slot.staff_id):
        return f"учитель уже ведёт {lesson_number}-й урок в {WEEKDAYS[weekday - 1]}"
    return None


@read_modify_write("a transaction lock (SLOTS_LOCK) before the group's and teacher's hours")
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
    # A teacher's free hour is a question no unique index answers (the demo's own timetable
    # double-books teachers): writers of slots take turns, so the check sees the other's slot.
    lock_name(session, SLOTS_LOCK)
    year = calendar.current_year(session)
    slot = TimetableSlot(
        school_year_id=year.id,
        group_id=group_id,
        subject_id=subject_id,
        staff_id=staff_id,
        weekday=weekday,
        lesson_number=lesson_number,
        room=room.strip() or None,
    )
    problem = slot_problem(session, slot)
    if problem:
        raise DomainError(f"Урок не добавлен: {problem}.")
    # Slots written without the lock (a split carrying its class's timetable) meet the unique
    # index on the group's hour.
    taken = f"у группы уже есть {lesson_number}-й урок в {WEEKDAYS[weekday - 1]}"
    with refuse_duplicate(session, f"Урок не добавлен: {taken}."):
        session.add(slot)
        session.flush()
    return slot


@read_modify_write("the slot row locked before it is deleted")
def delete_slot(session: Session, actor: Actor, *, slot_id: int) -> None:
    """Remove a slot; lessons already generated from it stay."""
    require(actor, Action.MANAGE_CALENDAR)
    # A second delete (or a generation using the slot) waits here, then finds it gone.
    slot = lock_or_404(session, TimetableSlot, slot_id, "Урок расписания не найден.")
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
