"""Teaching load (учебная нагрузка): subjects, who teaches what to which class or group, hours,
class teachers; edited in a table or imported from XLSX/CSV with row-numbered messages.

A load row names its target by the class («7А», meaning the whole class) or by the exact name of a
group («7А: Английский язык, гр. 1», a stream, an individual plan).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.cyrillic import normalize_class_name
from klassruk.errors import DomainError, NotFound
from klassruk.formatting import bullet_list, format_number, quote
from klassruk.models import (
    GroupKind,
    SchoolClass,
    SchoolYear,
    Staff,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.models.school import full_name
from klassruk.permissions import Action, Actor, require
from klassruk.services.calendar import current_year, in_current_year
from klassruk.services.groups import whole_class_group
from klassruk.services.locking import lock_name, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.spreadsheets import export_cell, read_table

MAX_HOURS = 40.0
MAX_LOAD_ROWS = 5000
MAX_ERRORS_SHOWN = 20

# Accepted header spellings (lower case, ё→е) → field.
HEADERS = {
    "класс или группа": "target",
    "класс/группа": "target",
    "класс": "target",
    "группа": "target",
    "предмет": "subject",
    "учитель": "teacher",
    "педагог": "teacher",
    "часов в неделю": "hours",
    "часы в неделю": "hours",
    "часы": "hours",
    "часов": "hours",
}
TEMPLATE_HEADER = ("Класс или группа", "Предмет", "Учитель", "Часов в неделю")


@dataclass(frozen=True)
class LoadInput:
    """One row of the load as typed or imported; `row` is its number for messages."""

    row: int
    target: str
    subject: str
    teacher: str
    hours: str | float


@dataclass(frozen=True)
class LoadEntry:
    """One saved row of the load."""

    assignment_id: int
    target: str
    kind: GroupKind
    subject: str
    teacher: str
    hours_per_week: float


@dataclass(frozen=True)
class SaveResult:
    """What a save or import changed."""

    created: int
    updated: int
    deleted: int
    new_subjects: list[str]
    # How an imported file was read (which sheet), for the page to show.
    notes: list[str] = field(default_factory=list)


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold().replace("ё", "е")


def _class_key(text: str) -> str:
    # «7A» typed with a Latin A is the class 7А.
    return normalize_class_name(text) or re.sub(r"\s+", "", text).upper().replace("Ё", "Е")


# ---------------------------------------------------------------- subjects and class teachers


def list_subjects(session: Session, actor: Actor) -> list[Subject]:
    """Every subject, by name."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    return list(session.scalars(select(Subject).order_by(Subject.name)))


@read_modify_write("a transaction lock before the folded names are compared")
def add_subject(session: Session, actor: Actor, *, name: str, short_name: str = "") -> Subject:
    """Add a subject to the school's list."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        raise DomainError("Укажите название предмета.")
    # Names are compared folded (in Python), which no unique index expresses: one at a time.
    lock_name(session, "teaching_load.subject")
    if any(_fold(s.name) == _fold(name) for s in session.scalars(select(Subject))):
        raise DomainError(f"Предмет «{name}» уже есть.")
    subject = Subject(name=name, short_name=(short_name.strip() or name)[:30])
    session.add(subject)
    session.flush()
    return subject


def staff_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """All staff by name, for pickers."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    return [
        (s.id, s.full_name)
        for s in session.scalars(select(Staff).order_by(Staff.last_name, Staff.first_name))
    ]


@dataclass(frozen=True)
class ClassTeacherRow:
    """A class of the current year and its class teacher."""

    class_id: int
    class_name: str
    staff_id: int | None
    class_teacher: str


def class_teachers(session: Session, actor: Actor) -> list[ClassTeacherRow]:
    """Current-year classes with their class teachers."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    rows = session.execute(
        select(SchoolClass, Staff)
        .outerjoin(Staff, Staff.id == SchoolClass.class_teacher_id)
        .where(in_current_year(SchoolClass.school_year_id))
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ).all()
    return [
        ClassTeacherRow(c.id, c.name, s.id if s else None, s.full_name if s else "не назначен")
        for c, s in rows
    ]


def set_class_teacher(
    session: Session, actor: Actor, *, class_id: int, staff_id: int | None
) -> SchoolClass:
    """Appoint (or clear) the class teacher of a class."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    if staff_id is not None and session.get(Staff, staff_id) is None:
        raise NotFound("Сотрудник не найден.")
    school_class.class_teacher_id = staff_id
    session.flush()
    return school_class


# ---------------------------------------------------------------- the load table


def load_targets(session: Session, actor: Actor) -> list[str]:
    """Names a load row may target: current-year classes, then its groups."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    year = current_year(session)
    classes = [
        c.name
        for c in session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade, SchoolClass.letter)
        )
    ]
    groups = session.scalars(
        select(StudyGroup.name)
        .where(StudyGroup.school_year_id == year.id, StudyGroup.kind != GroupKind.WHOLE_CLASS)
        .order_by(StudyGroup.name)
    )
    return classes + list(groups)


def teaching_load(session: Session, actor: Actor) -> list[LoadEntry]:
    """The current year's load, by target and subject."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    year = current_year(session)
    rows = session.execute(
        select(TeachingAssignment, StudyGroup, Subject, Staff, SchoolClass)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(Staff, Staff.id == TeachingAssignment.staff_id)
        .outerjoin(SchoolClass, SchoolClass.id == StudyGroup.class_id)
        .where(StudyGroup.school_year_id == year.id)
        .order_by(SchoolClass.grade, SchoolClass.letter, StudyGroup.name, Subject.name)
    ).all()
    return [
        LoadEntry(
            a.id,
            c.name if g.kind is GroupKind.WHOLE_CLASS and c is not None else g.name,
            g.kind,
            subj.name,
            s.full_name,
            a.hours_per_week,
        )
        for a, g, subj, s, c in rows
    ]


@dataclass(frozen=True)
class TeacherTotal:
    """A teacher's whole load this year: hours a week and how many rows make it up."""

    teacher: str
    hours_per_week: float
    rows: int


def teacher_totals(session: Session, actor: Actor) -> list[TeacherTotal]:
    """Hours a week per teacher this year (summed in SQL), by name."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    year = current_year(session)
    rows = session.execute(
        select(
            Staff.last_name, Staff.first_name, Staff.middle_name,
            func.sum(TeachingAssignment.hours_per_week), func.count(TeachingAssignment.id),
        )
        .join(TeachingAssignment, TeachingAssignment.staff_id == Staff.id)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .where(StudyGroup.school_year_id == year.id)
        .group_by(Staff.id, Staff.last_name, Staff.first_name, Staff.middle_name)
        .order_by(Staff.last_name, Staff.first_name, Staff.middle_name)
    )
    return [
        TeacherTotal(full_name(last, first, middle), float(hours), count)
        for last, first, middle, hours, count in rows
    ]


def _parse_hours(value: str | float) -> float | None:
    if isinstance(value, (int, float)):
        hours = float(value)
    else:
        text = str(value or "").strip().replace(",", ".")
        try:
            hours = float(text)
        except ValueError:
            return None
    if hours != hours or not 0 < hours <= MAX_HOURS:  # NaN or out of range
        return None
    return hours


_Resolved = tuple[SchoolClass | StudyGroup, str | Subject, Staff, float]


@dataclass
class _Resolver:
    session: Session
    year: SchoolYear
    create_subjects: bool

    def __post_init__(self) -> None:
        self.classes = {
            _class_key(c.name): c
            for c in self.session.scalars(
                select(SchoolClass).where(SchoolClass.school_year_id == self.year.id)
            )
        }
        self.groups = {
            _fold(g.name): g
            for g in self.session.scalars(
                select(StudyGroup).where(
                    StudyGroup.school_year_id == self.year.id,
                    StudyGroup.kind != GroupKind.WHOLE_CLASS,
                )
            )
        }
        self.subjects: dict[str, Subject | None] = {}
        for subject in self.session.scalars(select(Subject)):
            self.subjects[_fold(subject.name)] = subject
            self.subjects.setdefault(_fold(subject.short_name), subject)
        self.staff: dict[str, list[Staff]] = {}
        for member in self.session.scalars(select(Staff)):
            short = _fold(member.short_name)
            for key in {_fold(member.full_name), short, short.replace(" ", "")}:
                self.staff.setdefault(key, []).append(member)
        self.split_subjects = {
            (g.class_id, g.subject_id) for g in self.groups.values() if g.kind is GroupKind.SUBGROUP
        }
        self.new_subjects: list[str] = []

    def resolve(self, item: LoadInput) -> _Resolved | str:
        """The parsed row, or a Russian message for it."""
        target_text = str(item.target or "").strip()
        subject_text = re.sub(r"\s+", " ", str(item.subject or "")).strip()
        teacher_text = str(item.teacher or "").strip()
        if not target_text:
            return "не указан класс или группа"
        target: SchoolClass | StudyGroup | None = self.classes.get(_class_key(target_text))
        if target is None:
            target = self.groups.get(_fold(target_text))
        if target is None:
            return f"класс или группа {quote(target_text)} не найдены в текущем учебном году"
        if not subject_text:
            return "не указан предмет"
        subject: Subject | str | None = self.subjects.get(_fold(subject_text))
        if subject is None:
            if not self.create_subjects:
                return f"предмет {quote(subject_text)} не найден в списке предметов"
            subject = subject_text
        if not teacher_text:
            return "не указан учитель"
        found = self.staff.get(_fold(teacher_text)) or self.staff.get(
            _fold(teacher_text).replace(" ", "")
        )
        if not found:
            return f"учитель {quote(teacher_text)} не найден среди сотрудников"
        if len(found) > 1:
            return (
                f"учитель {quote(teacher_text)} неоднозначен: "
                "укажите полностью фамилию, имя, отчество"
            )
        hours = _parse_hours(item.hours)
        if hours is None:
            return (
                f"часы в неделю {quote(item.hours)} — нужно число больше 0 "
                f"и не больше {format_number(MAX_HOURS)}"
            )
        if isinstance(target, StudyGroup):
            if target.subject_id is not None and (
                isinstance(subject, str) or target.subject_id != subject.id
            ):
                return f"группа «{target.name}» создана для другого предмета"
        elif isinstance(subject, Subject) and (target.id, subject.id) in self.split_subjects:
            return (
                f"в {target.name} предмет «{subject.name}» разделён на группы: "
                "укажите группу вместо класса"
            )
        return target, subject, found[0], hours


def _resolve_rows(resolver: _Resolver, rows: list[LoadInput]) -> list[_Resolved]:
    """Every non-blank row resolved to its target, subject, teacher and hours; or all errors."""
    errors: list[str] = []
    resolved = []
    seen: dict[tuple[str, str], int] = {}
    for item in rows:
        if not any(str(v or "").strip() for v in (item.target, item.subject, item.teacher)):
            continue  # a blank line
        result = resolver.resolve(item)
        if isinstance(result, str):
            errors.append(f"строка {item.row}: {result}")
            continue
        target, subject, _, _ = result
        key = (
            f"{type(target).__name__}:{target.id}",
            _fold(subject if isinstance(subject, str) else subject.name),
        )
        if key in seen:
            errors.append(
                f"строка {item.row}: этот предмет в «{target.name}» уже указан в строке {seen[key]}"
            )
            continue
        seen[key] = item.row
        resolved.append(result)
    if errors:
        raise DomainError(
            "Нагрузка не сохранена, исправьте:\n" + bullet_list(errors, MAX_ERRORS_SHOWN)
        )
    return resolved


def save_teaching_load(
    session: Session,
    actor: Actor,
    *,
    rows: list[LoadInput],
    replace: bool,
    create_subjects: bool = False,
) -> SaveResult:
    """Save load rows (upsert by target and subject); with `replace`, drop rows not listed.

    Every row is checked first; on any error nothing is saved and the message lists the rows.
    """
    require(actor, Action.MANAGE_TEACHING_LOAD)
    year = current_year(session)
    resolved = _resolve_rows(_Resolver(session, year, create_subjects), rows)
    created_subjects: dict[str, Subject] = {}
    existing = {
        (a.group_id, a.subject_id): a
        for a in session.scalars(
            select(TeachingAssignment)
            .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
            .where(StudyGroup.school_year_id == year.id)
        )
    }
    kept: set[int] = set()
    created = updated = 0
    for target, subject, staff, hours in resolved:
        if isinstance(subject, str):
            folded = _fold(subject)
            if folded not in created_subjects:
                created_subjects[folded] = Subject(name=subject, short_name=subject[:30])
                session.add(created_subjects[folded])
                session.flush()
            subject = created_subjects[folded]
        group = whole_class_group(session, target) if isinstance(target, SchoolClass) else target
        assignment = existing.get((group.id, subject.id))
        if assignment is None:
            assignment = TeachingAssignment(
                staff_id=staff.id, subject_id=subject.id, group_id=group.id, hours_per_week=hours
            )
            session.add(assignment)
            session.flush()
            existing[(group.id, subject.id)] = assignment
            created += 1
        elif assignment.staff_id != staff.id or assignment.hours_per_week != hours:
            assignment.staff_id = staff.id
            assignment.hours_per_week = hours
            updated += 1
        kept.add(assignment.id)
    stale = [a for a in existing.values() if a.id not in kept] if replace else []
    for assignment in stale:
        session.delete(assignment)
    session.flush()
    return SaveResult(created, updated, len(stale), [s.name for s in created_subjects.values()])


# ---------------------------------------------------------------- files


def parse_load_file(data: bytes, filename: str) -> tuple[list[LoadInput], tuple[str, ...]]:
    """Rows of an XLSX or CSV load file (the header row names the columns), and reading notes."""
    table = read_table(data, filename, max_rows=MAX_LOAD_ROWS)
    columns: dict[str, int] = {}
    for index, title in enumerate(table.header):
        field_name = HEADERS.get(_fold(title))
        if field_name and field_name not in columns:
            columns[field_name] = index
    missing = [
        t
        for t, f in zip(TEMPLATE_HEADER, ("target", "subject", "teacher", "hours"), strict=True)
        if f not in columns
    ]
    if missing:
        raise DomainError(
            "В первой строке файла нет столбцов: "
            + ", ".join(f"«{m}»" for m in missing)
            + ". Нужны столбцы: "
            + ", ".join(f"«{t}»" for t in TEMPLATE_HEADER)
            + "."
        )
    rows = [
        LoadInput(
            row=row.number,
            target=row.get(columns["target"]),
            subject=row.get(columns["subject"]),
            teacher=row.get(columns["teacher"]),
            hours=row.get(columns["hours"]),
        )
        for row in table.rows
    ]
    return rows, table.notes


def import_teaching_load(
    session: Session, actor: Actor, *, data: bytes, filename: str, create_subjects: bool = True
) -> SaveResult:
    """Import load rows from a file (adds and updates; never deletes)."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    rows, notes = parse_load_file(data, filename)
    result = save_teaching_load(
        session, actor, rows=rows, replace=False, create_subjects=create_subjects
    )
    return replace(result, notes=list(notes))


def template_csv() -> bytes:
    """A sample load file for Russian Excel (Windows-1251, ';')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in (
        TEMPLATE_HEADER,
        ("7А", "Математика", "Иванова Мария Петровна", "5"),
        ("7А: Английский язык, гр. 1", "Английский язык", "Петров И.С.", "3"),
    ):
        writer.writerow([export_cell(cell) for cell in row])
    return buffer.getvalue().encode("cp1251")
