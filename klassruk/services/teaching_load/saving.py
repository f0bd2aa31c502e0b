"""Saving teaching assignments: every row checked first, then upserted by target and subject."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError
from klassruk.models.school import (
    GroupKind,
    SchoolClass,
    SchoolYear,
    Staff,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.calendar import current_year
from klassruk.services.groups.queries import whole_class_group
from klassruk.services.locking import lock_name, read_modify_write
from klassruk.services.teaching_load.common import LOAD_LOCK, class_key, fold
from klassruk.text.formatting import bullet_list, format_number, quote

MAX_HOURS = 40.0


MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class LoadInput:
    """One row of the load as typed or imported; `row` is its number for messages."""

    row: int
    target: str
    subject: str
    teacher: str
    hours: str | float


@dataclass(frozen=True)
class SaveResult:
    """What a save or import changed."""

    created: int
    updated: int
    deleted: int
    new_subjects: list[str]
    # How an imported file was read (which sheet), for the page to show.
    notes: list[str] = field(default_factory=list)


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
            class_key(c.name): c
            for c in self.session.scalars(
                select(SchoolClass).where(SchoolClass.school_year_id == self.year.id)
            )
        }
        self.groups = {
            fold(g.name): g
            for g in self.session.scalars(
                select(StudyGroup).where(
                    StudyGroup.school_year_id == self.year.id,
                    StudyGroup.kind != GroupKind.WHOLE_CLASS,
                )
            )
        }
        self.subjects: dict[str, Subject | None] = {}
        for subject in self.session.scalars(select(Subject)):
            self.subjects[fold(subject.name)] = subject
            self.subjects.setdefault(fold(subject.short_name), subject)
        self.staff: dict[str, list[Staff]] = {}
        for member in self.session.scalars(select(Staff)):
            short = fold(member.short_name)
            for key in {fold(member.full_name), short, short.replace(" ", "")}:
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
        target: SchoolClass | StudyGroup | None = self.classes.get(class_key(target_text))
        if target is None:
            target = self.groups.get(fold(target_text))
        if target is None:
            return f"класс или группа {quote(target_text)} не найдены в текущем учебном году"
        if not subject_text:
            return "не указан предмет"
        subject: Subject | str | None = self.subjects.get(fold(subject_text))
        if subject is None:
            if not self.create_subjects:
                return f"предмет {quote(subject_text)} не найден в списке предметов"
            subject = subject_text
        if not teacher_text:
            return "не указан учитель"
        found = self.staff.get(fold(teacher_text)) or self.staff.get(
            fold(teacher_text).replace(" ", "")
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
            fold(subject if isinstance(subject, str) else subject.name),
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


@read_modify_write("a transaction lock (LOAD_LOCK) before the load and subjects are read")
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
    # One save of the load at a time: a second waits, then reads the first one's subjects,
    # whole-class groups and assignments, and updates them instead of adding copies.
    lock_name(session, LOAD_LOCK)
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
            folded = fold(subject)
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
