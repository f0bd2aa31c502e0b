"""The timetable imported from a spreadsheet, all rows or none."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError
from klassruk.models.journal import TimetableSlot
from klassruk.models.school import SchoolClass, Staff, StudyGroup, Subject
from klassruk.services import calendar
from klassruk.services.locking import lock_name, read_modify_write, refuse_duplicate
from klassruk.services.spreadsheets import read_table
from klassruk.services.timetable.slots import SLOTS_LOCK, WEEKDAYS, slot_problem
from klassruk.text.cyrillic import normalize_class_name
from klassruk.text.formatting import bullet_list, quote

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


@dataclass(frozen=True)
class ImportResult:
    """How many slots an import added, and how the file was read (which sheet)."""

    added: int
    notes: tuple[str, ...] = ()


IMPORT_COLUMNS = ("Группа", "День", "Урок", "Предмет", "Учитель", "Кабинет")


MAX_IMPORT_ROWS = 5000


MAX_ERRORS_SHOWN = 10
IMPORT_RACED = (
    "Расписание не загружено, ничего не изменено: те же часы групп или учителей только что "
    "заняты другим изменением расписания. Обновите страницу и загрузите файл снова."
)


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
    year_id: int,
) -> TimetableSlot | str:
    """The new slot of one file row, or what is wrong with the row."""
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
    slot = TimetableSlot(
        school_year_id=year_id,
        group_id=group_id,
        subject_id=subject_id,
        staff_id=staff_id,
        weekday=weekday,
        lesson_number=int(number_text),
        room=cells["Кабинет"] or None,
    )
    problem = slot_problem(session, slot, ignore=taken)
    if problem:
        return problem
    taken.add(("group", slot.group_id, slot.weekday, slot.lesson_number))
    taken.add(("staff", slot.staff_id, slot.weekday, slot.lesson_number))
    return slot


@read_modify_write("a transaction lock (SLOTS_LOCK) before the rows are checked")
def import_slots(session: Session, actor: Actor, *, data: bytes, filename: str) -> ImportResult:
    """Import the timetable from XLSX or CSV (UTF-8 with ',' or cp1251 with ';'); all or nothing.

    Columns: Группа (a group name or a class such as «7А»), День (Пн…Сб or 1…6), Урок (number),
    Предмет, Учитель (Фамилия И. О. or full name), Кабинет.
    """
    require(actor, Action.MANAGE_CALENDAR)
    year = calendar.current_year(session)
    table = read_table(data, filename, max_rows=MAX_IMPORT_ROWS)
    # Rows are checked and written while other writers of slots wait (see add_slot).
    lock_name(session, SLOTS_LOCK)
    header = [h.lower() for h in table.header]
    missing = [c for c in IMPORT_COLUMNS[:5] if c.lower() not in header]
    if missing:
        raise DomainError(
            "В первой строке нет столбцов: " + ", ".join(f"«{c}»" for c in missing) + "."
        )
    index = {c: header.index(c.lower()) for c in IMPORT_COLUMNS if c.lower() in header}
    names = _import_names(session, year.id)
    errors: list[str] = []
    planned: list[TimetableSlot] = []
    taken: set[tuple[str, int, int, int]] = set()
    for row in table.rows:
        cells = {column: row.get(index.get(column)) for column in IMPORT_COLUMNS}
        slot = _slot_values(session, names, cells, taken, year.id)
        if isinstance(slot, str):
            errors.append(f"строка {row.number}: {slot}")
        else:
            planned.append(slot)
    if errors:
        raise DomainError(
            "Расписание не загружено, ничего не изменено:\n" + bullet_list(errors, MAX_ERRORS_SHOWN)
        )
    # Slots written without the lock (a split carrying its class's timetable) meet the unique
    # index on the group's hour; the savepoint keeps the file all or nothing.
    with refuse_duplicate(session, IMPORT_RACED):
        session.add_all(planned)
        session.flush()
    return ImportResult(len(planned), table.notes)
