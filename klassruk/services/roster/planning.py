"""Comparing the valid rows with the database: who is new, who is matched, what changes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.cyrillic import normalize_class_name
from klassruk.errors import DomainError
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
from klassruk.russian import agree_with
from klassruk.services.calendar import current_year
from klassruk.services.roster.rows import (
    GuardianData,
    RawRow,
    RowError,
    StudentData,
    name_key,
    read_roster_file,
    validate_row,
)
from klassruk.services.scope.classes import (
    active_on,
    current_students_query,
    own_class_ids_query,
    require_class_scope,
)
from klassruk.services.scope.links import guardians_in_scope_query, shared_guardian_ids


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
class PlannedGuardian:
    """A guardian of the file: new or matched, with the contact changes the import brings."""

    data: GuardianData
    existing: Guardian | None
    updates: dict[str, str] = field(default_factory=dict)
    record: Guardian | None = None
    contacts_kept: bool = False


@dataclass
class PlannedStudent:
    """A student of the file: new or matched, enrolled or not, with the guardian links."""

    data: StudentData
    school_class: SchoolClass
    existing: Student | None
    enrol: bool
    updates: dict[str, str | None] = field(default_factory=dict)
    links: list[tuple[PlannedGuardian, Relation, GuardianLink | None]] = field(
        default_factory=list
    )


@dataclass
class ImportPreview:
    """What an import would do (or did): lines per record, and row errors."""

    lines: list[PreviewLine]
    errors: list[RowError]
    students: list[PlannedStudent] = field(default_factory=list, repr=False)
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


def _pupil(full_name: str) -> str:
    """«Обучающийся» or «Обучающаяся», as the name's gender asks."""
    return agree_with(full_name, "Обучающийся", "Обучающаяся")


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
    year = current_year(session)
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
                    f"{_pupil(data.full_name)} «{data.full_name}» повторяется в файле (см. строку "
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
    reachable_guardians = (
        None if school_wide else set(session.scalars(guardians_in_scope_query(actor, on)))
    )
    by_key = _students_by_key(session, {d.last_name for d, _ in valid})
    if not school_wide:
        # Only the actor's own pupils are matched: whether a namesake exists in another class
        # must change nothing in the answer (a row that matches none is a new pupil).
        own = set(session.scalars(current_students_query(own_class_ids_query(actor), on)))
        by_key = {
            key: kept for key, group in by_key.items()
            if (kept := [s for s in group if s.id in own])
        }
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
    guardian_names = {name_key(g.last_name) for d, _ in valid for g in d.guardians}
    by_contact = _guardians_by_contact(session, guardian_names, reachable_guardians)
    return _Known(by_key, current_class, links_of, by_contact)


def _students_by_key(
    session: Session, last_names: set[str]
) -> dict[tuple[str, date], list[Student]]:
    """Students with one of the surnames, by (folded name, birth date)."""
    # Candidates by surname, folded in Python: SQLite's lower() ignores Cyrillic.
    by_key: dict[tuple[str, date], list[Student]] = {}
    surname_keys = {name_key(n) for n in last_names}
    for student in session.scalars(select(Student).where(Student.birth_date.is_not(None))):
        if name_key(student.last_name) not in surname_keys or student.birth_date is None:
            continue
        by_key.setdefault(
            (name_key(student.last_name, student.first_name), student.birth_date), []
        ).append(student)
    return by_key


def _guardians_by_contact(
    session: Session, guardian_names: set[str], reachable: set[int] | None
) -> dict[tuple[str, str], Guardian]:
    """Reachable guardians with one of the surnames, by (folded full name, phone or e-mail)."""
    by_contact: dict[tuple[str, str], Guardian] = {}
    for guardian in session.scalars(select(Guardian)):
        if name_key(guardian.last_name) not in guardian_names:
            continue
        if reachable is not None and guardian.id not in reachable:
            continue
        name = name_key(guardian.last_name, guardian.first_name, guardian.middle_name or "")
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
) -> list[PlannedStudent]:
    known = _known_people(session, actor, valid, on)
    guardians = _GuardianMatcher(known.by_contact)
    plans: list[PlannedStudent] = []
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
) -> PlannedStudent | str:
    """The row's student, new or matched in the database, or why the row cannot be imported."""
    candidates = known.by_key.get(data.key, [])
    if len(candidates) > 1:
        return (
            f"В базе несколько обучающихся «{data.full_name}» с той же датой рождения: "
            "уточните запись у администратора."
        )
    existing = candidates[0] if candidates else None
    now_in = known.current_class.get(existing.id) if existing is not None else None
    if now_in is not None and now_in.id != school_class.id:
        return (
            f"{_pupil(data.full_name)} «{data.full_name}» уже "
            f"{agree_with(data.full_name, 'зачислен', 'зачислена')} в {now_in.name} класс; "
            "перевод между классами делает администратор."
        )
    plan = PlannedStudent(data, school_class, existing, enrol=now_in is None)
    if existing is not None and name_key(existing.middle_name or "") != name_key(
        data.middle_name or ""
    ):
        plan.updates["middle_name"] = data.middle_name
    return plan


class _GuardianMatcher:
    """The guardian a row means: linked to the student, met earlier in the file, or known."""

    def __init__(self, by_contact: dict[tuple[str, str], Guardian]) -> None:
        self.by_contact = by_contact
        self.planned: dict[tuple[str, str], PlannedGuardian] = {}
        self.by_guardian_id: dict[int, PlannedGuardian] = {}

    def match(self, g: GuardianData, existing_links: list[GuardianLink]) -> PlannedGuardian:
        """The planned guardian for the row's data, with the contact changes it brings."""
        contacts = [c for c in (g.phone, g.email) if c]
        planned = (
            self._linked(g, existing_links)
            or self._by_contacts(g, contacts)
            or PlannedGuardian(g, None)
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
    ) -> PlannedGuardian | None:
        # The same person: a guardian already linked to this student under the same name...
        for link in existing_links:
            linked = link.guardian
            if name_key(linked.last_name, linked.first_name, linked.middle_name or "") == (
                g.name_key
            ):
                planned = self.by_guardian_id.get(linked.id)
                if planned is None:
                    planned = PlannedGuardian(g, linked)
                    self.by_guardian_id[linked.id] = planned
                return planned
        return None

    def _by_contacts(self, g: GuardianData, contacts: list[str]) -> PlannedGuardian | None:
        # ...else someone with the same name and phone or e-mail (a parent of siblings).
        for contact in contacts:
            known = self.planned.get((g.name_key, contact))
            if known is not None:
                return known
            found = self.by_contact.get((g.name_key, contact))
            if found is not None:
                planned = self.by_guardian_id.get(found.id) or PlannedGuardian(g, found)
                self.by_guardian_id[found.id] = planned
                return planned
        return None


def _keep_shared_contacts(
    session: Session, actor: Actor, plans: list[PlannedStudent], on: date
) -> None:
    """Drop contact changes the actor may not make: a guardian shared with other classes."""
    planned = {p.existing.id: p for plan in plans for p, _, _ in plan.links if p.existing}
    for guardian_id in shared_guardian_ids(
        session, actor, list(planned), Action.IMPORT_ROSTER, on=on
    ):
        if planned[guardian_id].updates:
            planned[guardian_id].updates.clear()
            planned[guardian_id].contacts_kept = True


def _preview_lines(plans: list[PlannedStudent]) -> list[PreviewLine]:
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
