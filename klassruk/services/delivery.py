"""Delivery route: who gets the school's information electronically, decided by consent."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.errors import PermissionDenied
from klassruk.models.accounts import AccountStatus, AppSetting, UserAccount
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
    ConsentEntry,
    ConsentState,
    ConsentSubject,
)
from klassruk.models.school import Student
from klassruk.services.lookup import get_or_404

# Kept apart from consent.py (which needs scope.py) so that scope.py may ask it.
STUDENT_OWN_CONSENT_KEY = "consent_student_own_from_14"
STUDENT_OWN_CONSENT_AGE = 14


NO_CONSENT_HELP = (
    "Чтобы получать сведения в электронном виде, подпишите согласие на обработку персональных "
    "данных у классного руководителя. До тех пор школа выдаёт выписки из журнала на бумаге."
)


class ConsentRequired(PermissionDenied):
    """The family gets no electronic information: consent is missing or paper was chosen."""



def student_own_consent_required(session: Session) -> bool:
    """Whether the school's form asks students aged 14 and older for their own consent."""
    key = AppSetting.key == STUDENT_OWN_CONSENT_KEY
    return session.scalar(select(AppSetting.value).where(key)) == "1"



def age_on(birth_date: date | None, on: date) -> int | None:
    if birth_date is None:
        return None
    years = on.year - birth_date.year
    return years - ((on.month, on.day) < (birth_date.month, birth_date.day))



# ---------------------------------------------------------------- current entries

Key = tuple[ConsentSubject, int | None, int | None]


def entry_key(entry: ConsentEntry) -> Key:
    return (entry.subject, entry.guardian_id, entry.student_id)


def latest_entries(
    session: Session, *, guardian_ids: Iterable[int], student_ids: Iterable[int]
) -> dict[Key, ConsentEntry]:
    """The newest entry per person and subject among these guardians and students."""
    guardian_ids, student_ids = list(guardian_ids), list(student_ids)
    if not guardian_ids and not student_ids:
        return {}
    latest: dict[Key, ConsentEntry] = {}
    for entry in session.scalars(
        select(ConsentEntry)
        .where(
            or_(
                ConsentEntry.guardian_id.in_(guardian_ids),
                ConsentEntry.student_id.in_(student_ids),
            )
        )
        .order_by(ConsentEntry.id)
    ):
        latest[entry_key(entry)] = entry
    return latest


def state_of(entry: ConsentEntry | None) -> ConsentState:
    return entry.state if entry is not None else ConsentState.NOT_ASKED



# ---------------------------------------------------------------- delivery


class Route(enum.StrEnum):
    """How a family gets the school's information."""

    ELECTRONIC = "electronic"
    PAPER = "paper"


ROUTE_TITLES: dict[Route, str] = {Route.ELECTRONIC: "электронно", Route.PAPER: "на бумаге"}


@dataclass(frozen=True)
class Delivery:
    """The route and why."""

    route: Route
    reason: str

    @property
    def electronic(self) -> bool:
        return self.route is Route.ELECTRONIC


def decide(
    *,
    own: ConsentState,
    child: ConsentState,
    prefers_paper: bool,
    account: AccountStatus | None,
) -> Delivery:
    """Electronic only with both consents given, paper not chosen, and an active account."""
    if child is not ConsentState.GIVEN:
        title = CONSENT_STATE_TITLES[child]
        return Delivery(Route.PAPER, f"нет согласия на обработку данных ребёнка ({title})")
    if own is not ConsentState.GIVEN:
        title = CONSENT_STATE_TITLES[own]
        return Delivery(Route.PAPER, f"нет согласия на обработку своих данных ({title})")
    if prefers_paper:
        return Delivery(Route.PAPER, "родитель выбрал бумажную форму")
    if account is None:
        return Delivery(Route.PAPER, "нет учётной записи")
    if account is not AccountStatus.ACTIVE:
        return Delivery(Route.PAPER, "учётная запись не активна")
    return Delivery(Route.ELECTRONIC, "согласие дано, учётная запись активна")


def decide_for(
    *, own: ConsentEntry | None, child: ConsentEntry | None, account: AccountStatus | None
) -> Delivery:
    """`decide` from the current entries (None: never asked)."""
    return decide(
        own=state_of(own),
        child=state_of(child),
        prefers_paper=child is not None and child.prefers_paper,
        account=account,
    )


def delivery_route(session: Session, *, guardian_id: int, student_id: int) -> Delivery:
    """Whether this guardian may get this child's information electronically, and why."""
    latest = latest_entries(session, guardian_ids=[guardian_id], student_ids=[])
    # The status alone: it runs before every cabinet screen.
    status = session.scalar(
        select(UserAccount.status).where(UserAccount.guardian_id == guardian_id).limit(1)
    )
    return decide_for(
        own=latest.get((ConsentSubject.GUARDIAN_SELF, guardian_id, None)),
        child=latest.get((ConsentSubject.CHILD, guardian_id, student_id)),
        account=status,
    )


def student_route(session: Session, *, student_id: int, on: date) -> Delivery:
    """A student's own cabinet follows the guardians (and, 14+, own consent if the school asks)."""
    given = session.scalars(
        select(ConsentEntry)
        .where(ConsentEntry.student_id == student_id)
        .order_by(ConsentEntry.id)
    ).all()
    latest: dict[Key, ConsentEntry] = {}
    for entry in given:
        latest[entry_key(entry)] = entry
    if not any(
        key[0] is ConsentSubject.CHILD and entry.state is ConsentState.GIVEN
        for key, entry in latest.items()
    ):
        return Delivery(Route.PAPER, "ни один из родителей не дал согласия")
    if student_own_consent_required(session):
        student = get_or_404(session, Student, student_id, "Обучающийся не найден.")
        age = age_on(student.birth_date, on)
        own = latest.get((ConsentSubject.STUDENT_SELF, None, student_id))
        if age is not None and age >= STUDENT_OWN_CONSENT_AGE and state_of(own) is not (
            ConsentState.GIVEN
        ):
            return Delivery(Route.PAPER, "нет собственного согласия обучающегося (14 лет и старше)")
    return Delivery(Route.ELECTRONIC, "согласие родителей дано")


def may_notify(session: Session, *, guardian_id: int, student_id: int) -> bool:
    """Whether e-mail or SMS about this child may be sent to this guardian."""
    return delivery_route(session, guardian_id=guardian_id, student_id=student_id).electronic


def require_electronic_access(session: Session, actor: Actor, *, student_id: int, on: date) -> None:
    """Refuse a family member's electronic view of a child without consent (staff pass)."""
    if actor.guardian_id is not None and actor.student_id != student_id:
        decision = delivery_route(session, guardian_id=actor.guardian_id, student_id=student_id)
    elif actor.student_id == student_id:
        decision = student_route(session, student_id=student_id, on=on)
    else:
        return
    refuse_paper_route(decision)


def refuse_paper_route(decision: Delivery) -> None:
    """Raise ConsentRequired, saying why, unless the route is electronic."""
    if not decision.electronic:
        raise ConsentRequired(
            f"Сведения об обучающемся в электронном виде не предоставляются: {decision.reason}. "
            + NO_CONSENT_HELP
        )


