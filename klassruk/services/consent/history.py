"""The consent history of one person of the class, oldest entry first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import PermissionDenied
from klassruk.models.consent import (
    ConsentEntry,
    ConsentState,
    ConsentSubject,
)
from klassruk.services.accounts.users import author_names
from klassruk.services.roster.people import class_people
from klassruk.services.scope.classes import OUT_OF_SCOPE, require_class_scope


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of a person's consent history, oldest first."""

    entry_id: int
    subject: ConsentSubject
    child: str
    state: ConsentState
    signed_on: date | None
    form_number: str | None
    scan_id: int | None
    prefers_paper: bool
    corrects_id: int | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str


def consent_history(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    guardian_id: int | None = None,
    student_id: int | None = None,
) -> list[HistoryEntry]:
    """Every entry about a guardian (all subjects) or a student's own consent, oldest first."""
    require_class_scope(session, actor, class_id, Action.VIEW_CONSENT)
    people = class_people(session, class_id, on)
    if guardian_id is not None:
        if guardian_id not in people.guardians:
            raise PermissionDenied(OUT_OF_SCOPE)
        # The guardian's own consent, and about children only those of this class today: a
        # guardian shared with another class does not open that class's entries.
        condition = (ConsentEntry.guardian_id == guardian_id) & (
            (ConsentEntry.subject == ConsentSubject.GUARDIAN_SELF)
            | ConsentEntry.student_id.in_(people.children[guardian_id])
        )
    elif student_id is not None and student_id in people.students:
        condition = (ConsentEntry.student_id == student_id) & (
            ConsentEntry.subject == ConsentSubject.STUDENT_SELF
        )
    else:
        raise PermissionDenied(OUT_OF_SCOPE)
    names = {s.id: s.full_name for s in people.students.values()}
    entries = list(session.scalars(select(ConsentEntry).where(condition).order_by(ConsentEntry.id)))
    authors = author_names(session, {e.recorded_by for e in entries})
    return [
        HistoryEntry(
            entry_id=e.id,
            subject=e.subject,
            child=names.get(e.student_id, "") if e.student_id else "",
            state=e.state,
            signed_on=e.signed_on,
            form_number=e.form_number,
            scan_id=e.scan_id,
            prefers_paper=e.prefers_paper,
            corrects_id=e.corrects_id,
            reason=e.reason,
            recorded_at=e.recorded_at,
            recorded_by=authors[e.recorded_by],
        )
        for e in entries
    ]
