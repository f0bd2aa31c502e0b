"""Writing an import that has no errors, in one transaction."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.errors import DomainError
from klassruk.models.school import Guardian, GuardianLink, Student
from klassruk.services import groups
from klassruk.services.activity import record_activity
from klassruk.services.locking import lock_name, read_modify_write
from klassruk.services.roster.planning import preview_import
from klassruk.services.roster.plans import (
    Change,
    Entity,
    ImportPreview,
    PlannedGuardian,
    PlannedStudent,
)


@read_modify_write("one import at a time (a transaction lock), planned inside the lock")
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
    # People are matched by name and birth date across classes, which no row lock covers: a
    # second import waits here, then plans against the people the first one created.
    lock_name(session, "roster.import")
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


def _write_student(session: Session, plan: PlannedStudent, on: date) -> Student:
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


def _write_guardian(session: Session, planned: PlannedGuardian) -> Guardian:
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
