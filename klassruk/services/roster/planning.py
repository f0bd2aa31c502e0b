"""Comparing the valid rows with the database: who is new, who is matched, what changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError
from klassruk.models.school import SchoolClass, SchoolYear
from klassruk.services.calendar import current_year
from klassruk.services.roster.matching import GuardianMatcher, Known, known_people
from klassruk.services.roster.plans import ImportPreview, PlannedStudent, preview_lines
from klassruk.services.roster.rows import (
    RawRow,
    RowError,
    StudentData,
    name_key,
    read_roster_file,
    validate_row,
)
from klassruk.services.scope.classes import (
    require_class_scope,
)
from klassruk.services.scope.links import shared_guardian_ids
from klassruk.text.cyrillic import normalize_class_name
from klassruk.text.russian import agree_with


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
    lines = preview_lines(students)
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


def _plan_students(
    session: Session,
    actor: Actor,
    valid: list[tuple[StudentData, SchoolClass]],
    on: date,
    errors: list[RowError],
) -> list[PlannedStudent]:
    known = known_people(session, actor, valid, on)
    guardians = GuardianMatcher(known.by_contact)
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
    data: StudentData, school_class: SchoolClass, known: Known
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
