"""Who may be told electronically: consent given, account active, link in force (in bulk)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.consent import ConsentState, ConsentSubject
from klassruk.models.school import GuardianLink, Student
from klassruk.services.delivery import (
    STUDENT_OWN_CONSENT_AGE,
    age_on,
    decide_for,
    latest_entries,
    state_of,
    student_own_consent_required,
)
from klassruk.services.scope.links import link_current_on


@dataclass(frozen=True)
class Recipient:
    """A family login told about one child: a guardian, or the student (guardian_id None)."""

    user_id: int
    student_id: int
    guardian_id: int | None


def _guardian_rows(
    session: Session, student_ids: Collection[int], on: date
) -> list[tuple[int, int, int, AccountStatus]]:
    return [
        (guardian_id, student_id, user_id, status)
        for guardian_id, student_id, user_id, status in session.execute(
            select(
                GuardianLink.guardian_id,
                GuardianLink.student_id,
                UserAccount.id,
                UserAccount.status,
            )
            .join(UserAccount, UserAccount.guardian_id == GuardianLink.guardian_id)
            .where(
                GuardianLink.student_id.in_(list(student_ids)),
                link_current_on(on),
            )
        )
    ]


def reachable(session: Session, student_ids: Collection[int], *, on: date) -> list[Recipient]:
    """Family logins that may get electronic news about these students, on the day `on`.

    A guardian by the consent register's delivery route (both consents given, paper not
    chosen, account active); a student with an active account when a guardian consented
    (and, 14 and older where the school asks, with own consent).
    """
    student_ids = list(set(student_ids))
    if not student_ids:
        return []
    guardians = _guardian_rows(session, student_ids, on)
    latest = latest_entries(
        session, guardian_ids={g for g, *_ in guardians}, student_ids=student_ids
    )
    found = [
        Recipient(user_id, student_id, guardian_id)
        for guardian_id, student_id, user_id, status in guardians
        if decide_for(
            own=latest.get((ConsentSubject.GUARDIAN_SELF, guardian_id, None)),
            child=latest.get((ConsentSubject.CHILD, guardian_id, student_id)),
            account=status,
        ).electronic
    ]
    consented = {
        key[2]
        for key, entry in latest.items()
        if key[0] is ConsentSubject.CHILD and entry.state is ConsentState.GIVEN
    }
    own_required = student_own_consent_required(session)
    for user_id, student_id, birth_date in session.execute(
        select(UserAccount.id, Student.id, Student.birth_date)
        .join(Student, Student.id == UserAccount.student_id)
        .where(Student.id.in_(student_ids), UserAccount.status == AccountStatus.ACTIVE)
    ):
        if student_id not in consented:
            continue
        age = age_on(birth_date, on)
        own = latest.get((ConsentSubject.STUDENT_SELF, None, student_id))
        if own_required and age is not None and age >= STUDENT_OWN_CONSENT_AGE and (
            state_of(own) is not ConsentState.GIVEN
        ):
            continue
        found.append(Recipient(user_id, student_id, None))
    return found
