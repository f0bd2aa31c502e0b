"""Demo accounts in every credentials state, so the class teacher's board shows them all."""

from __future__ import annotations

import enum
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor, Role
from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN, GUARDIAN_LOGIN, STUDENT_LOGIN
from klassruk.errors import DomainError
from klassruk.models import ActivationCode
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.school import SchoolClass, Staff
from klassruk.services.credentials.codes import DEFAULT_CODE_VALID_DAYS, generate_code, hash_code
from klassruk.services.credentials.people import STAFF_ROLES, PersonKind, accounts_of, class_people

# Featured demo accounts keep their demo password: visitors log in with them.
KEEP_LOGINS = frozenset({GUARDIAN_LOGIN, STUDENT_LOGIN})
SEED = 20261001


class DemoState(enum.StrEnum):
    """What the demo makes of one person's account."""

    ACTIVATED = "activated"
    ISSUED_RECENTLY = "issued_recently"
    ISSUED_LONG_AGO = "issued_long_ago"
    EXPIRED = "expired"
    BLOCKED = "blocked"
    NO_ACCOUNT = "no_account"


# Most of a class works in the system; a few of every other state.
PATTERN = (
    DemoState.ACTIVATED,
    DemoState.ACTIVATED,
    DemoState.ISSUED_RECENTLY,
    DemoState.ACTIVATED,
    DemoState.ISSUED_LONG_AGO,
    DemoState.ACTIVATED,
    DemoState.EXPIRED,
    DemoState.ACTIVATED,
    DemoState.BLOCKED,
    DemoState.NO_ACCOUNT,
)


def class_of_featured_teacher(session: Session) -> SchoolClass:
    """The class of the featured class teacher, whom the demo's family screens are built for."""
    staff_id = session.scalar(
        select(UserAccount.staff_id).where(UserAccount.login == CLASS_TEACHER_LOGIN)
    )
    school_class = session.scalar(
        select(SchoolClass).join(Staff).where(Staff.id == staff_id).order_by(SchoolClass.id)
    )
    if school_class is None:
        raise DomainError("В демо-школе не найден класс демо-классного руководителя.")
    return school_class


def seed_demo_credentials(session: Session, today: date) -> dict[DemoState, int]:
    """Put the demo class teacher's class into every account state; returns counts per state."""
    actor = session.info.get("actor")
    if not isinstance(actor, Actor) or not actor.is_system:
        raise DomainError("Демо-данные создаёт только системный процесс.")
    rng = random.Random(SEED)
    now = datetime.combine(today, time(9, 0), tzinfo=UTC)
    school_class = class_of_featured_teacher(session)
    people = class_people(session, school_class.id, today)
    accounts = accounts_of(session, people)
    counts = dict.fromkeys(DemoState, 0)
    codes: list[ActivationCode] = []
    index = 0
    # Students first, then guardians (the class list puts each guardian beside a child): the
    # states fall on the same people as before, a parent without an account among them.
    for ref in sorted(people, key=lambda person: person.kind is not PersonKind.STUDENT):
        user = accounts.get(ref)
        if user is None or user.login in KEEP_LOGINS or user.roles & STAFF_ROLES:
            continue
        if Role.STUDENT not in user.roles and Role.GUARDIAN not in user.roles:
            continue
        state = PATTERN[index % len(PATTERN)]
        index += 1
        counts[state] += 1
        if state is DemoState.NO_ACCOUNT:
            session.delete(user)
            continue
        days_ago = {
            DemoState.ACTIVATED: 25,
            DemoState.ISSUED_RECENTLY: 2,
            DemoState.ISSUED_LONG_AGO: 12,
            DemoState.EXPIRED: DEFAULT_CODE_VALID_DAYS + 10,
            DemoState.BLOCKED: 25,
        }[state] + rng.randrange(3)
        issued_at = now - timedelta(days=days_ago, hours=rng.randrange(8))
        # Random and never shown: these accounts are taken over only by issuing a new code.
        code = generate_code()
        row = ActivationCode(
            user_id=user.id,
            code_hash=hash_code(user.id, code),
            issued_at=issued_at,
            expires_at=issued_at + timedelta(days=DEFAULT_CODE_VALID_DAYS),
            issued_by_user_id=None,
            issued_by_login=CLASS_TEACHER_LOGIN,
        )
        if state in (DemoState.ACTIVATED, DemoState.BLOCKED):
            row.used_at = issued_at + timedelta(days=rng.randrange(1, 4), hours=3)
            if state is DemoState.BLOCKED:
                user.status = AccountStatus.BLOCKED
                user.sessions_valid_after = now - timedelta(days=1)
        else:
            user.status = AccountStatus.ISSUED
            user.password_hash = None
            user.must_change_password = True
            user.sessions_valid_after = issued_at
        codes.append(row)
    session.add_all(codes)
    session.flush()
    return counts
