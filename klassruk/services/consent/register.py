"""The class's consent register: a row per person and subject, counts, the paper list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.models.consent import (
    ConsentEntry,
    ConsentState,
    ConsentSubject,
)
from klassruk.models.school import SchoolClass
from klassruk.services.accounts.users import author_names
from klassruk.services.delivery import (
    STUDENT_OWN_CONSENT_AGE,
    STUDENT_OWN_CONSENT_KEY,
    age_on,
    decide_for,
    latest_entries,
    state_of,
    student_own_consent_required,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.roster.people import class_people
from klassruk.services.school_settings import set_setting
from klassruk.services.scope.classes import require_class_scope


def set_student_own_consent_required(session: Session, actor: Actor, *, required: bool) -> None:
    """Turn the students' own consent (14 and older) on or off for the school."""
    require(actor, Action.MANAGE_SCHOOL_STRUCTURE)
    set_setting(session, STUDENT_OWN_CONSENT_KEY, "1" if required else "0")
    session.flush()


@dataclass(frozen=True)
class ConsentRow:
    """One person-and-subject line of the class register, with its current entry."""

    subject: ConsentSubject
    guardian_id: int | None
    student_id: int | None
    person: str
    child: str
    state: ConsentState
    entry_id: int | None
    signed_on: date | None
    form_number: str | None
    has_scan: bool
    prefers_paper: bool
    recorded_at: datetime | None
    recorded_by: str | None


@dataclass(frozen=True)
class PaperFamily:
    """A guardian and a child of the class whose information goes on paper, and why."""

    guardian_id: int
    guardian: str
    student_id: int
    student: str
    reason: str


@dataclass(frozen=True)
class ClassConsent:
    """The class's register: rows, counts per state, and the paper list."""

    class_id: int
    class_name: str
    rows: list[ConsentRow]
    counts: dict[ConsentState, int]
    paper: list[PaperFamily]
    electronic: int


def _row(
    subject: ConsentSubject,
    guardian_id: int | None,
    student_id: int | None,
    person: str,
    child: str,
    entry: ConsentEntry | None,
    authors: dict[str, str],
) -> ConsentRow:
    return ConsentRow(
        subject=subject,
        guardian_id=guardian_id,
        student_id=student_id,
        person=person,
        child=child,
        state=state_of(entry),
        entry_id=entry.id if entry else None,
        signed_on=entry.signed_on if entry else None,
        form_number=entry.form_number if entry else None,
        has_scan=bool(entry and entry.scan_id),
        prefers_paper=bool(entry and entry.prefers_paper),
        recorded_at=entry.recorded_at if entry else None,
        recorded_by=authors[entry.recorded_by] if entry else None,
    )


def class_consent(session: Session, actor: Actor, *, class_id: int, on: date) -> ClassConsent:
    """Every guardian (own data, each child) and, if asked, each student 14+ of the class."""
    require_class_scope(session, actor, class_id, Action.VIEW_CONSENT)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    people = class_people(session, class_id, on)
    latest = latest_entries(session, guardian_ids=people.guardians, student_ids=people.students)
    authors = author_names(session, {entry.recorded_by for entry in latest.values()})
    rows: list[ConsentRow] = []
    paper: list[PaperFamily] = []
    electronic = 0
    for guardian_id, guardian in people.guardians.items():
        own = latest.get((ConsentSubject.GUARDIAN_SELF, guardian_id, None))
        rows.append(_row(ConsentSubject.GUARDIAN_SELF, guardian_id, None, guardian.full_name,
                         "", own, authors))
        account = people.guardian_accounts.get(guardian_id)
        for student_id in people.children[guardian_id]:
            student = people.students[student_id]
            child = latest.get((ConsentSubject.CHILD, guardian_id, student_id))
            rows.append(_row(ConsentSubject.CHILD, guardian_id, student_id, guardian.full_name,
                             student.full_name, child, authors))
            decision = decide_for(
                own=own, child=child, account=account.status if account is not None else None
            )
            if decision.electronic:
                electronic += 1
            else:
                paper.append(PaperFamily(guardian_id, guardian.full_name, student_id,
                                         student.full_name, decision.reason))
    if student_own_consent_required(session):
        for student_id, student in people.students.items():
            age = age_on(student.birth_date, on)
            if age is not None and age >= STUDENT_OWN_CONSENT_AGE:
                rows.append(_row(ConsentSubject.STUDENT_SELF, None, student_id,
                                 student.full_name, student.full_name,
                                 latest.get((ConsentSubject.STUDENT_SELF, None, student_id)),
                                 authors))
    counts = {state: 0 for state in ConsentState}
    for row in rows:
        counts[row.state] += 1
    return ClassConsent(class_id, school_class.name, rows, counts, paper, electronic)
