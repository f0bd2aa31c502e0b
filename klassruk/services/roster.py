"""Roster import: students, guardians and their links from XLSX or CSV, previewed, then applied."""

from __future__ import annotations

import csv
import enum
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.cyrillic import fix_lookalikes, fold_lookalikes, normalize_class_name
from klassruk.errors import DomainError
from klassruk.formatting import quote
from klassruk.limits import length_problem
from klassruk.models import (
    Enrolment,
    Guardian,
    GuardianLink,
    Relation,
    SchoolClass,
    SchoolYear,
    Student,
)
from klassruk.permissions import Action, Actor, require
from klassruk.services import groups
from klassruk.services.activity import record_activity
from klassruk.services.scope import (
    active_on,
    guardians_in_scope_query,
    own_class_ids_query,
    require_class_scope,
    shared_guardian_ids,
)
from klassruk.services.spreadsheets import export_cell, read_table

CLASS_COLUMN = "Класс"
STUDENT_COLUMNS = ("Фамилия", "Имя", "Отчество", "Дата рождения")
GUARDIAN_FIELDS = ("фамилия", "имя", "отчество", "кем приходится", "телефон", "e-mail")
GUARDIAN_SLOTS = 2
TEMPLATE_COLUMNS: tuple[str, ...] = (
    CLASS_COLUMN,
    *STUDENT_COLUMNS,
    *(f"Представитель {n}: {f}" for n in range(1, GUARDIAN_SLOTS + 1) for f in GUARDIAN_FIELDS),
)
MAX_ROWS = 5000

RELATION_WORDS: dict[str, Relation] = {
    "мать": Relation.MOTHER,
    "мама": Relation.MOTHER,
    "отец": Relation.FATHER,
    "папа": Relation.FATHER,
    "опекун": Relation.GUARDIAN,
    "попечитель": Relation.GUARDIAN,
    "опекун (попечитель)": Relation.GUARDIAN,
    "иной": Relation.OTHER,
    "иное": Relation.OTHER,
    "другое": Relation.OTHER,
    "иной законный представитель": Relation.OTHER,
}
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]{2,}$")
_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
MAX_STUDENT_AGE_YEARS = 25


def _norm_header(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def _name_key(*parts: str) -> str:
    text = fold_lookalikes(" ".join(parts))
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


# ---------------------------------------------------------------- reading files


@dataclass(frozen=True)
class RawRow:
    """One data row of the file, with its row number as the spreadsheet shows it."""

    number: int
    values: dict[str, str]


def read_roster_file(content: bytes, filename: str) -> tuple[list[RawRow], tuple[str, ...]]:
    """Rows of an XLSX or CSV roster keyed by template column, and notes on how it was read."""
    table = read_table(content, filename, max_rows=MAX_ROWS)
    header = [_norm_header(cell) for cell in table.header]
    wanted = {_norm_header(col): col for col in TEMPLATE_COLUMNS}
    missing = [col for key, col in wanted.items() if key not in header]
    if missing:
        shown = ", ".join(f"«{col}»" for col in missing[:5])
        more = f" и ещё {len(missing) - 5}" if len(missing) > 5 else ""
        raise DomainError(
            f"Файл не похож на шаблон импорта: нет столбцов {shown}{more}. "
            "Скачайте шаблон на этой странице и перенесите данные в него."
        )
    index = {wanted[key]: header.index(key) for key in wanted}
    rows = [
        RawRow(row.number, {col: row.get(pos) for col, pos in index.items()})
        for row in table.rows
    ]
    return rows, table.notes


# ---------------------------------------------------------------- validating rows


@dataclass(frozen=True)
class RowError:
    """A problem in one row of the file, in Russian."""

    row: int
    message: str


@dataclass(frozen=True)
class GuardianData:
    """A guardian as written in one row."""

    slot: int
    last_name: str
    first_name: str
    middle_name: str | None
    relation: Relation
    phone: str | None
    email: str | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def name_key(self) -> str:
        return _name_key(self.last_name, self.first_name, self.middle_name or "")


@dataclass(frozen=True)
class StudentData:
    """A student row after validation."""

    row: int
    class_name: str
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date
    guardians: tuple[GuardianData, ...]
    # What was normalised in the row (look-alike letters), for the preview.
    notes: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def key(self) -> tuple[str, date]:
        return _name_key(self.last_name, self.first_name), self.birth_date


def normalize_phone(text: str) -> str:
    """A Russian phone number as +7XXXXXXXXXX; raises DomainError if it cannot be one."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or re.sub(r"[\d\s()+\-.]", "", text):
        raise DomainError(
            f"Неверный номер телефона {quote(text)}: нужен российский номер, "
            "например +7 912 345-67-89."
        )
    return f"+7{digits}"


def parse_birth_date(text: str, *, on: date) -> date:
    """A date of birth written as ДД.ММ.ГГГГ (or ГГГГ-ММ-ДД); raises DomainError if invalid."""
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed > on:
            raise DomainError(f"Дата рождения {quote(text)} ещё не наступила.")
        if parsed < on - timedelta(days=366 * MAX_STUDENT_AGE_YEARS):
            raise DomainError(f"Дата рождения {quote(text)} слишком ранняя для обучающегося.")
        return parsed
    raise DomainError(f"Неверная дата рождения {quote(text)}: нужен формат ДД.ММ.ГГГГ.")


def parse_relation(text: str) -> Relation:
    """мать / отец / опекун / иной; empty means another legal representative."""
    if not text:
        return Relation.OTHER
    relation = RELATION_WORDS.get(_norm_header(text))
    if relation is None:
        raise DomainError(
            f"Неизвестное значение {quote(text)} в столбце «кем приходится»: "
            "укажите мать, отец, опекун или иной."
        )
    return relation


def _validate_guardian(raw: RawRow, slot: int) -> tuple[GuardianData | None, list[str]]:
    values = {f: raw.values[f"Представитель {slot}: {f}"] for f in GUARDIAN_FIELDS}
    if not any(values.values()):
        return None, []
    who = f"представителя {slot}"
    problems: list[str] = []
    if not values["фамилия"]:
        problems.append(f"Не указана фамилия {who}.")
    if not values["имя"]:
        problems.append(f"Не указано имя {who}.")
    relation, phone, email = Relation.OTHER, None, None
    try:
        relation = parse_relation(values["кем приходится"])
    except DomainError as error:
        problems.append(f"{error} ({who})")
    if values["телефон"]:
        try:
            phone = normalize_phone(values["телефон"])
        except DomainError as error:
            problems.append(f"{error} ({who})")
    if values["e-mail"]:
        email = values["e-mail"].lower()
        if not _EMAIL.match(email):
            problems.append(f"Неверный адрес e-mail {quote(values['e-mail'])} ({who}).")
    if problems:
        return None, problems
    return (
        GuardianData(
            slot=slot,
            last_name=values["фамилия"],
            first_name=values["имя"],
            middle_name=values["отчество"] or None,
            relation=relation,
            phone=phone,
            email=email,
        ),
        [],
    )


# Template column → the model column it is stored in (its length is the limit).
STORED_IN: dict[str, InstrumentedAttribute[Any]] = {
    "Фамилия": Student.last_name,
    "Имя": Student.first_name,
    "Отчество": Student.middle_name,
    **{
        f"Представитель {n}: {f}": column
        for n in range(1, GUARDIAN_SLOTS + 1)
        for f, column in (
            ("фамилия", Guardian.last_name),
            ("имя", Guardian.first_name),
            ("отчество", Guardian.middle_name),
            ("e-mail", Guardian.email),
        )
    },
}
NAME_COLUMNS = tuple(c for c, column in STORED_IN.items() if column.key.endswith("_name"))


def _normalise(raw: RawRow) -> tuple[RawRow, list[str], list[str]]:
    """Look-alike Latin letters fixed in the names, lengths checked: row, notes, problems."""
    values = dict(raw.values)
    notes: list[str] = []
    problems: list[str] = []
    for column in NAME_COLUMNS:
        try:
            fixed = fix_lookalikes(values[column])
        except DomainError as error:
            problems.append(f"{column}: {error}")
            continue
        values[column] = fixed.text
        notes.extend(fixed.notes)
    for column, stored in STORED_IN.items():
        problem = length_problem(stored, values[column])
        if problem:
            problems.append(f"{column}. {problem}")
    return RawRow(raw.number, values), notes, problems


def validate_row(raw: RawRow, *, on: date) -> tuple[StudentData | None, list[str]]:
    """Check one row on its own (names, date, contacts); problems are Russian sentences."""
    raw, notes, problems = _normalise(raw)
    values = raw.values
    if not values["Фамилия"]:
        problems.append("Не указана фамилия обучающегося.")
    if not values["Имя"]:
        problems.append("Не указано имя обучающегося.")
    birth_date = None
    if not values["Дата рождения"]:
        problems.append("Не указана дата рождения обучающегося.")
    else:
        try:
            birth_date = parse_birth_date(values["Дата рождения"], on=on)
        except DomainError as error:
            problems.append(str(error))
    class_name = ""
    if values[CLASS_COLUMN]:
        class_name = normalize_class_name(values[CLASS_COLUMN]) or ""
        if not class_name:
            problems.append(
                f"Неверное обозначение класса {quote(values[CLASS_COLUMN])}: нужно, например, 7А."
            )
    guardians: list[GuardianData] = []
    for slot in range(1, GUARDIAN_SLOTS + 1):
        guardian, guardian_problems = _validate_guardian(raw, slot)
        problems.extend(guardian_problems)
        if guardian is not None:
            guardians.append(guardian)
    if len(guardians) == 2 and guardians[0].name_key == guardians[1].name_key:
        problems.append("Один и тот же представитель указан в строке дважды.")
    if problems or birth_date is None:
        return None, problems
    return (
        StudentData(
            row=raw.number,
            class_name=class_name,
            last_name=values["Фамилия"],
            first_name=values["Имя"],
            middle_name=values["Отчество"] or None,
            birth_date=birth_date,
            guardians=tuple(guardians),
            notes=tuple(notes),
        ),
        [],
    )


# ---------------------------------------------------------------- planning against the database


class Change(enum.StrEnum):
    """What the import will do to one record."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


CHANGE_TITLES: dict[Change, str] = {
    Change.CREATE: "будет создан",
    Change.UPDATE: "будет обновлён",
    Change.UNCHANGED: "без изменений",
}


class Entity(enum.StrEnum):
    """Which kind of record a preview line is about."""

    STUDENT = "student"
    GUARDIAN = "guardian"
    LINK = "link"


ENTITY_TITLES: dict[Entity, str] = {
    Entity.STUDENT: "обучающийся",
    Entity.GUARDIAN: "представитель",
    Entity.LINK: "связь «представитель — обучающийся»",
}


@dataclass(frozen=True)
class PreviewLine:
    """One record the import touches, and how."""

    row: int
    entity: Entity
    name: str
    class_name: str
    change: Change
    detail: str = ""


@dataclass
class _PlannedGuardian:
    data: GuardianData
    existing: Guardian | None
    updates: dict[str, str] = field(default_factory=dict)
    record: Guardian | None = None
    contacts_kept: bool = False


@dataclass
class _PlannedStudent:
    data: StudentData
    school_class: SchoolClass
    existing: Student | None
    enrol: bool
    updates: dict[str, str | None] = field(default_factory=dict)
    links: list[tuple[_PlannedGuardian, Relation, GuardianLink | None]] = field(
        default_factory=list
    )


@dataclass
class ImportPreview:
    """What an import would do (or did): lines per record, and row errors."""

    lines: list[PreviewLine]
    errors: list[RowError]
    students: list[_PlannedStudent] = field(default_factory=list, repr=False)
    # How the file was read and what was normalised in it (sheet used, look-alike letters…).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, entity: Entity, change: Change) -> int:
        """How many records of a kind get a given change."""
        return sum(1 for line in self.lines if line.entity is entity and line.change is change)

    @property
    def has_changes(self) -> bool:
        return any(line.change is not Change.UNCHANGED for line in self.lines)


def _current_year(session: Session) -> SchoolYear:
    year = session.scalar(select(SchoolYear).where(SchoolYear.is_current))
    if year is None:
        raise DomainError("Не задан текущий учебный год: импорт списка класса невозможен.")
    return year


def plan_import(
    session: Session,
    actor: Actor,
    *,
    rows: list[RawRow],
    on: date,
    class_id: int | None = None,
) -> ImportPreview:
    """Validate the rows and compare them with the database; writes nothing."""
    require(actor, Action.IMPORT_ROSTER)
    year = _current_year(session)
    target: SchoolClass | None = None
    if class_id is not None:
        require_class_scope(session, actor, class_id, Action.IMPORT_ROSTER)
        target = session.get(SchoolClass, class_id)
        if target is None or target.school_year_id != year.id:
            raise DomainError("Класс не найден в текущем учебном году.")
    elif not actor.is_school_wide_for(Action.IMPORT_ROSTER):
        raise DomainError("Выберите класс, в который импортируется список.")
    if not rows:
        raise DomainError("В файле нет ни одной строки с данными.")
    classes = _RowClasses(session, actor, year, target)
    notes: list[str] = []
    errors: list[RowError] = []
    valid: list[tuple[StudentData, SchoolClass]] = []
    seen: dict[tuple[str, date], int] = {}
    for raw in rows:
        data, problems = validate_row(raw, on=on)
        errors.extend(RowError(raw.number, p) for p in problems)
        if data is None:
            continue
        notes.extend(f"Строка {data.row}: {note}" for note in data.notes)
        school_class = classes.of_row(data)
        if isinstance(school_class, str):
            errors.append(RowError(data.row, school_class))
            continue
        if data.key in seen:
            errors.append(
                RowError(
                    data.row,
                    f"Обучающийся «{data.full_name}» повторяется в файле (см. строку "
                    f"{seen[data.key]}).",
                )
            )
            continue
        seen[data.key] = data.row
        valid.append((data, school_class))

    students = _plan_students(session, actor, valid, on, errors)
    errors.sort(key=lambda e: e.row)
    lines = _preview_lines(students)
    return ImportPreview(lines=lines, errors=errors, students=students, notes=notes)


class _RowClasses:
    """The class each row goes to: the chosen class, or the row's own among the year's classes."""

    def __init__(
        self, session: Session, actor: Actor, year: SchoolYear, target: SchoolClass | None
    ) -> None:
        self.session, self.actor, self.target = session, actor, target
        self.classes = {
            normalize_class_name(c.name) or c.name: c
            for c in session.scalars(
                select(SchoolClass).where(SchoolClass.school_year_id == year.id)
            )
        }
        self.allowed: dict[int, bool] = {}

    def of_row(self, data: StudentData) -> SchoolClass | str:
        """The row's class, or why the row cannot go anywhere."""
        if self.target is not None:
            target_name = normalize_class_name(self.target.name) or self.target.name
            if data.class_name and data.class_name != target_name:
                return (
                    f"Строка относится к классу {data.class_name}, а импорт идёт "
                    f"в {self.target.name} класс."
                )
            school_class = self.target
        else:
            if not data.class_name:
                return "Не указан класс."
            found = self.classes.get(data.class_name)
            if found is None:
                return f"Класса {data.class_name} нет в текущем учебном году."
            school_class = found
        if school_class.id not in self.allowed:
            try:
                require_class_scope(
                    self.session, self.actor, school_class.id, Action.IMPORT_ROSTER
                )
                self.allowed[school_class.id] = True
            except DomainError:
                self.allowed[school_class.id] = False
        if not self.allowed[school_class.id]:
            return f"Импорт в {school_class.name} класс вам недоступен."
        return school_class


@dataclass(frozen=True)
class _Known:
    """What the database already holds for the file's surnames, within the actor's scope."""

    own_classes: set[int] | None
    by_key: dict[tuple[str, date], list[Student]]
    current_class: dict[int, SchoolClass]
    links_of: dict[int, list[GuardianLink]]
    by_contact: dict[tuple[str, str], Guardian]


def _known_people(
    session: Session, actor: Actor, valid: list[tuple[StudentData, SchoolClass]], on: date
) -> _Known:
    # A class teacher's import matches only people already in their scope: a pupil of their own
    # classes, a guardian of such a pupil. Anyone else is never linked on name + contact alone
    # (that handed another class's parent to whoever typed his name and phone), and a match
    # outside the scope is never described, so the import cannot look up other classes.
    school_wide = actor.is_school_wide_for(Action.IMPORT_ROSTER)
    own_classes = None if school_wide else set(session.scalars(own_class_ids_query(actor)))
    reachable_guardians = (
        None if school_wide else set(session.scalars(guardians_in_scope_query(actor, on)))
    )
    by_key = _students_by_key(session, {d.last_name for d, _ in valid})
    matched_ids = [s.id for group in by_key.values() for s in group]
    enrolled = active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    current_class: dict[int, SchoolClass] = {
        enrolment.student_id: enrolment.school_class
        for enrolment in session.scalars(
            select(Enrolment).where(Enrolment.student_id.in_(matched_ids), enrolled)
        )
    }
    links_of: dict[int, list[GuardianLink]] = {}
    for link in session.scalars(
        select(GuardianLink).where(GuardianLink.student_id.in_(matched_ids))
    ):
        links_of.setdefault(link.student_id, []).append(link)
    guardian_names = {_name_key(g.last_name) for d, _ in valid for g in d.guardians}
    by_contact = _guardians_by_contact(session, guardian_names, reachable_guardians)
    return _Known(own_classes, by_key, current_class, links_of, by_contact)


def _students_by_key(
    session: Session, last_names: set[str]
) -> dict[tuple[str, date], list[Student]]:
    """Students with one of the surnames, by (folded name, birth date)."""
    # Candidates by surname, folded in Python: SQLite's lower() ignores Cyrillic.
    by_key: dict[tuple[str, date], list[Student]] = {}
    surname_keys = {_name_key(n) for n in last_names}
    for student in session.scalars(select(Student).where(Student.birth_date.is_not(None))):
        if _name_key(student.last_name) not in surname_keys or student.birth_date is None:
            continue
        by_key.setdefault(
            (_name_key(student.last_name, student.first_name), student.birth_date), []
        ).append(student)
    return by_key


def _guardians_by_contact(
    session: Session, guardian_names: set[str], reachable: set[int] | None
) -> dict[tuple[str, str], Guardian]:
    """Reachable guardians with one of the surnames, by (folded full name, phone or e-mail)."""
    by_contact: dict[tuple[str, str], Guardian] = {}
    for guardian in session.scalars(select(Guardian)):
        if _name_key(guardian.last_name) not in guardian_names:
            continue
        if reachable is not None and guardian.id not in reachable:
            continue
        name = _name_key(guardian.last_name, guardian.first_name, guardian.middle_name or "")
        for contact in (guardian.phone, (guardian.email or "").lower() or None):
            if contact:
                by_contact.setdefault((name, contact), guardian)
    return by_contact


def _plan_students(
    session: Session,
    actor: Actor,
    valid: list[tuple[StudentData, SchoolClass]],
    on: date,
    errors: list[RowError],
) -> list[_PlannedStudent]:
    known = _known_people(session, actor, valid, on)
    guardians = _GuardianMatcher(known.by_contact)
    plans: list[_PlannedStudent] = []
    for data, school_class in valid:
        plan = _plan_student(data, school_class, known)
        if isinstance(plan, str):
            errors.append(RowError(data.row, plan))
            continue
        existing_links = known.links_of.get(plan.existing.id, []) if plan.existing else []
        for g in data.guardians:
            planned = guardians.match(g, existing_links)
            existing_link = None
            if planned.existing is not None:
                existing_link = next(
                    (lk for lk in existing_links if lk.guardian_id == planned.existing.id), None
                )
            if any(p is planned for p, _, _ in plan.links):
                errors.append(
                    RowError(data.row, "Один и тот же представитель указан в строке дважды.")
                )
                continue
            plan.links.append((planned, g.relation, existing_link))
        plans.append(plan)
    _keep_shared_contacts(session, actor, plans, on)
    return plans


def _plan_student(
    data: StudentData, school_class: SchoolClass, known: _Known
) -> _PlannedStudent | str:
    """The row's student, new or matched in the database, or why the row cannot be imported."""
    candidates = known.by_key.get(data.key, [])
    if len(candidates) > 1:
        return (
            f"В базе несколько обучающихся «{data.full_name}» с той же датой рождения: "
            "уточните запись у администратора."
        )
    existing = candidates[0] if candidates else None
    now_in = known.current_class.get(existing.id) if existing is not None else None
    if (
        existing is not None
        and known.own_classes is not None
        and (now_in is None or now_in.id not in known.own_classes)
    ):
        return (
            f"Обучающийся «{data.full_name}» с этой датой рождения уже есть в базе школы: "
            "зачисление или перевод делает администратор."
        )
    if now_in is not None and now_in.id != school_class.id:
        return (
            f"Обучающийся «{data.full_name}» уже зачислен в {now_in.name} класс; "
            "перевод между классами делает администратор."
        )
    plan = _PlannedStudent(data, school_class, existing, enrol=now_in is None)
    if existing is not None and _name_key(existing.middle_name or "") != _name_key(
        data.middle_name or ""
    ):
        plan.updates["middle_name"] = data.middle_name
    return plan


class _GuardianMatcher:
    """The guardian a row means: linked to the student, met earlier in the file, or known."""

    def __init__(self, by_contact: dict[tuple[str, str], Guardian]) -> None:
        self.by_contact = by_contact
        self.planned: dict[tuple[str, str], _PlannedGuardian] = {}
        self.by_guardian_id: dict[int, _PlannedGuardian] = {}

    def match(self, g: GuardianData, existing_links: list[GuardianLink]) -> _PlannedGuardian:
        """The planned guardian for the row's data, with the contact changes it brings."""
        contacts = [c for c in (g.phone, g.email) if c]
        planned = (
            self._linked(g, existing_links)
            or self._by_contacts(g, contacts)
            or _PlannedGuardian(g, None)
        )
        for contact in contacts:
            self.planned.setdefault((g.name_key, contact), planned)
        if planned.existing is not None:
            if g.phone and planned.existing.phone != g.phone:
                planned.updates["phone"] = g.phone
            if g.email and (planned.existing.email or "").lower() != g.email:
                planned.updates["email"] = g.email
        return planned

    def _linked(
        self, g: GuardianData, existing_links: list[GuardianLink]
    ) -> _PlannedGuardian | None:
        # The same person: a guardian already linked to this student under the same name...
        for link in existing_links:
            linked = link.guardian
            if _name_key(linked.last_name, linked.first_name, linked.middle_name or "") == (
                g.name_key
            ):
                planned = self.by_guardian_id.get(linked.id)
                if planned is None:
                    planned = _PlannedGuardian(g, linked)
                    self.by_guardian_id[linked.id] = planned
                return planned
        return None

    def _by_contacts(self, g: GuardianData, contacts: list[str]) -> _PlannedGuardian | None:
        # ...else someone with the same name and phone or e-mail (a parent of siblings).
        for contact in contacts:
            known = self.planned.get((g.name_key, contact))
            if known is not None:
                return known
            found = self.by_contact.get((g.name_key, contact))
            if found is not None:
                planned = self.by_guardian_id.get(found.id) or _PlannedGuardian(g, found)
                self.by_guardian_id[found.id] = planned
                return planned
        return None


def _keep_shared_contacts(
    session: Session, actor: Actor, plans: list[_PlannedStudent], on: date
) -> None:
    """Drop contact changes the actor may not make: a guardian shared with other classes."""
    planned = {p.existing.id: p for plan in plans for p, _, _ in plan.links if p.existing}
    for guardian_id in shared_guardian_ids(
        session, actor, list(planned), Action.IMPORT_ROSTER, on=on
    ):
        if planned[guardian_id].updates:
            planned[guardian_id].updates.clear()
            planned[guardian_id].contacts_kept = True


def _preview_lines(plans: list[_PlannedStudent]) -> list[PreviewLine]:
    lines: list[PreviewLine] = []
    shown_guardians: set[int] = set()
    for plan in plans:
        data = plan.data
        cls = plan.school_class.name
        if plan.existing is None:
            change, detail = Change.CREATE, f"зачисление в {cls}"
        elif plan.enrol or plan.updates:
            change = Change.UPDATE
            detail = ", ".join(
                ([f"зачисление в {cls}"] if plan.enrol else [])
                + (["отчество"] if "middle_name" in plan.updates else [])
            )
        else:
            change, detail = Change.UNCHANGED, ""
        lines.append(PreviewLine(data.row, Entity.STUDENT, data.full_name, cls, change, detail))
        for planned, relation, link in plan.links:
            if id(planned) not in shown_guardians:
                shown_guardians.add(id(planned))
                if planned.existing is None:
                    g_change, g_detail = Change.CREATE, ""
                elif planned.updates:
                    g_change = Change.UPDATE
                    g_detail = ", ".join(
                        {"phone": "телефон", "email": "e-mail"}[k] for k in planned.updates
                    )
                else:
                    g_change, g_detail = Change.UNCHANGED, ""
                if planned.contacts_kept:
                    g_detail = "контакты не изменены: их меняет администратор"
                lines.append(
                    PreviewLine(
                        data.row, Entity.GUARDIAN, planned.data.full_name, cls, g_change, g_detail
                    )
                )
            if link is None:
                l_change = Change.CREATE
            elif link.relation is not relation:
                l_change = Change.UPDATE
            else:
                l_change = Change.UNCHANGED
            lines.append(
                PreviewLine(
                    data.row,
                    Entity.LINK,
                    f"{planned.data.full_name} → {data.last_name} {data.first_name}",
                    cls,
                    l_change,
                )
            )
    return lines


def preview_import(
    session: Session,
    actor: Actor,
    *,
    content: bytes,
    filename: str,
    on: date,
    class_id: int | None = None,
) -> ImportPreview:
    """Read the file and show what would be created, updated and left alone; writes nothing."""
    require(actor, Action.IMPORT_ROSTER)
    rows, notes = read_roster_file(content, filename)
    preview = plan_import(session, actor, rows=rows, on=on, class_id=class_id)
    preview.notes[:0] = notes
    return preview


def apply_import(
    session: Session,
    actor: Actor,
    *,
    content: bytes,
    filename: str,
    on: date,
    class_id: int | None = None,
) -> ImportPreview:
    """Import the file in one go: refuses (writing nothing) while any row has an error."""
    preview = preview_import(
        session, actor, content=content, filename=filename, on=on, class_id=class_id
    )
    if preview.errors:
        raise DomainError(
            f"В файле есть ошибки ({len(preview.errors)}): ничего не записано. "
            "Исправьте строки, указанные в предпросмотре, и загрузите файл снова."
        )
    for plan in preview.students:
        student = _write_student(session, plan, on)
        for planned, relation, link in plan.links:
            if planned.record is None:
                planned.record = _write_guardian(session, planned)
            if link is None:
                session.add(
                    GuardianLink(guardian=planned.record, student=student, relation=relation)
                )
            elif link.relation is not relation:
                link.relation = relation
    session.flush()
    counts = Counter((line.entity, line.change) for line in preview.lines)
    record_activity(
        session,
        event="roster_imported",
        login=actor.login,
        user_id=actor.user_id,
        detail=(
            f"{filename[:200]}: обучающихся новых {counts[(Entity.STUDENT, Change.CREATE)]}, "
            f"представителей новых {counts[(Entity.GUARDIAN, Change.CREATE)]}, "
            f"связей новых {counts[(Entity.LINK, Change.CREATE)]}"
        ),
        session_id=actor.session_id,
    )
    return preview


def _write_student(session: Session, plan: _PlannedStudent, on: date) -> Student:
    """The planned student created or updated, and enrolled if the plan says so."""
    data = plan.data
    student = plan.existing
    if student is None:
        student = Student(
            last_name=data.last_name,
            first_name=data.first_name,
            middle_name=data.middle_name,
            birth_date=data.birth_date,
        )
        session.add(student)
    elif "middle_name" in plan.updates:
        student.middle_name = plan.updates["middle_name"]
    if plan.enrol:
        groups.enrol_student(session, student=student, school_class=plan.school_class, on=on)
    return student


def _write_guardian(session: Session, planned: _PlannedGuardian) -> Guardian:
    """The planned guardian created, or the existing one with its contact changes."""
    if planned.existing is None:
        g = planned.data
        guardian = Guardian(
            last_name=g.last_name,
            first_name=g.first_name,
            middle_name=g.middle_name,
            phone=g.phone,
            email=g.email,
        )
        session.add(guardian)
        return guardian
    for key, value in planned.updates.items():
        setattr(planned.existing, key, value)
    return planned.existing


# ---------------------------------------------------------------- templates


INSTRUCTIONS = (
    "Одна строка — один обучающийся; у него до двух представителей (родителей).",
    "Дата рождения: ДД.ММ.ГГГГ. Телефон: российский номер, например +7 912 345-67-89.",
    "«Кем приходится»: мать, отец, опекун или иной (пусто — иной законный представитель).",
    "Класс: например 7А; при импорте в выбранный класс столбец можно оставить пустым.",
    "Родителя нескольких детей узнаём по ФИО и телефону (или e-mail): пишите их одинаково.",
    "CSV: кодировка UTF-8, Windows-1251 или UTF-16 («Текст Юникод»), разделитель «;», «,» "
    "или табуляция.",
    "XLSX: читается первый лист; формулы и объединённые ячейки не допускаются.",
    "Фамилии и имена — русскими буквами: похожие латинские (A, C, E, O, P…) заменяются.",
)


def template_xlsx(example_rows: list[list[str]] | None = None) -> bytes:
    """The import template as XLSX: the header row (and example rows), plus instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Список класса"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in example_rows or []:
        sheet.append([export_cell(cell) for cell in row])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 22
    help_sheet = workbook.create_sheet("Пояснения")
    for line in INSTRUCTIONS:
        help_sheet.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(
    example_rows: list[list[str]] | None = None, *, encoding: str = "utf-8-sig",
    delimiter: str = ";",
) -> bytes:
    """The import template as CSV (UTF-8 with BOM and «;» opens cleanly in Russian Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows([export_cell(cell) for cell in row] for row in example_rows or [])
    return buffer.getvalue().encode(encoding)


def count_students(session: Session) -> int:
    """How many students exist (used by tests and the page caption)."""
    return int(session.scalar(select(func.count(Student.id))) or 0)
