"""What an import would do: the planned students and guardians, and the preview's lines."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from klassruk.models.school import Guardian, GuardianLink, Relation, SchoolClass, Student
from klassruk.services.roster.rows import (
    GuardianData,
    RowError,
    StudentData,
)


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


def preview_lines(plans: list[PlannedStudent]) -> list[PreviewLine]:
    """The preview's lines: each student, guardian and link of the plans, with its change."""
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
