"""The class teacher's credentials board: every student and guardian with their account's state."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.models import ActivationCode
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.credentials.people import PersonRef, accounts_of, class_people
from klassruk.services.scope.classes import require_class_scope


class BoardState(enum.StrEnum):
    """Where a person stands with their credentials."""

    NO_ACCOUNT = "no_account"
    CODE_ISSUED = "code_issued"
    CODE_EXPIRED = "code_expired"
    ACTIVE = "active"
    BLOCKED = "blocked"


BOARD_STATE_TITLES: dict[BoardState, str] = {
    BoardState.NO_ACCOUNT: "нет учётной записи",
    BoardState.CODE_ISSUED: "код выдан",
    BoardState.CODE_EXPIRED: "код просрочен",
    BoardState.ACTIVE: "активирована",
    BoardState.BLOCKED: "заблокирована",
}


@dataclass(frozen=True)
class BoardRow:
    """One person on the class teacher's credentials board."""

    person: PersonRef
    name: str
    children: tuple[str, ...]
    login: str | None
    state: BoardState
    issued_at: datetime | None
    expires_at: datetime | None
    activated_at: datetime | None
    last_login_at: datetime | None


def _board_state(
    user: UserAccount | None, code: ActivationCode | None, now: datetime
) -> BoardState:
    if user is None:
        return BoardState.NO_ACCOUNT
    if user.status is AccountStatus.BLOCKED:
        return BoardState.BLOCKED
    if user.status is AccountStatus.ACTIVE:
        return BoardState.ACTIVE
    if code is not None and code.expires_at <= now:
        return BoardState.CODE_EXPIRED
    return BoardState.CODE_ISSUED


def credentials_board(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    not_activated_days: int | None = None,
    now: datetime | None = None,
) -> list[BoardRow]:
    """Every student and guardian of the class with the state of their account."""
    require_class_scope(session, actor, class_id, Action.ISSUE_CREDENTIALS)
    now = now or utcnow()
    people = class_people(session, class_id, on)
    accounts = accounts_of(session, people)
    latest: dict[int, ActivationCode] = {}
    activated: dict[int, datetime] = {}
    user_ids = [u.id for u in accounts.values()]
    if user_ids:
        for row in session.scalars(
            select(ActivationCode)
            .where(ActivationCode.user_id.in_(user_ids))
            .order_by(ActivationCode.id)
        ):
            latest[row.user_id] = row
            if row.used_at is not None:
                activated[row.user_id] = row.used_at
    rows: list[BoardRow] = []
    for ref, person in people.items():
        user = accounts.get(ref)
        code = latest.get(user.id) if user else None
        state = _board_state(user, code, now)
        pending = state in (BoardState.CODE_ISSUED, BoardState.CODE_EXPIRED)
        if not_activated_days is not None and not (
            pending
            and code is not None
            and code.issued_at <= now - timedelta(days=not_activated_days)
        ):
            continue
        rows.append(
            BoardRow(
                person=ref,
                name=person.full_name,
                children=tuple(person.children),
                login=user.login if user else None,
                state=state,
                issued_at=code.issued_at if code and pending else None,
                expires_at=code.expires_at if code and pending else None,
                activated_at=activated.get(user.id) if user else None,
                last_login_at=user.last_login_at if user else None,
            )
        )
    return rows
