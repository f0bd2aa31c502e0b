"""Issuing credentials to a class: accounts made or reset, new codes, and the slips' data."""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.logins import make_login
from klassruk.access.permissions import Action, Actor, Role
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.models import ActivationCode
from klassruk.models.accounts import AccountStatus, UserAccount, UserRole
from klassruk.models.school import SchoolClass
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import (
    DEFAULT_CODE_VALID_DAYS,
    add_activation_code,
    open_codes,
)
from klassruk.services.credentials.people import (
    STAFF_ROLES,
    ClassPerson,
    PersonKind,
    PersonRef,
    accounts_of,
    check_selection,
    class_people,
    shared_guardians,
)
from klassruk.services.locking import lock_name, lock_or_404, read_modify_write
from klassruk.services.school_settings import DEFAULT_TIMEZONE, TIMEZONE_KEY, get_setting
from klassruk.services.scope.classes import require_class_scope
from klassruk.text.formatting import format_timestamp

RECENT_CODES_WINDOW = timedelta(hours=1)


class RecentCodes(enum.StrEnum):
    """What a whole-class issue does with codes issued within the last hour and not yet used."""

    ASK = "ask"  # refuse with RecentCodesFound: the page asks the user
    SKIP = "skip"  # issue only to those without such a code
    REPLACE = "replace"  # void them (their slips stop working) and issue new ones


class RecentCodesFound(DomainError):
    """A whole-class issue would void slips printed within the last hour; nothing was changed."""

    def __init__(self, message: str, count: int, seen: frozenset[int] = frozenset()) -> None:
        super().__init__(message)
        self.count = count
        # The codes the question is about: an answer applies to exactly these.
        self.seen = seen


def _recent_codes(
    session: Session, user_ids: Collection[int], now: datetime
) -> list[tuple[int, str, datetime, int]]:
    """(account, who issued, when, code id) of unused codes of these accounts from the last hour."""
    if not user_ids:
        return []
    return [
        (user_id, who, at, code_id)
        for user_id, who, at, code_id in session.execute(
            select(
                ActivationCode.user_id,
                func.coalesce(UserAccount.display_name, ActivationCode.issued_by_login),
                ActivationCode.issued_at,
                ActivationCode.id,
            )
            .outerjoin(UserAccount, UserAccount.id == ActivationCode.issued_by_user_id)
            .where(
                ActivationCode.user_id.in_(list(user_ids)),
                ActivationCode.used_at.is_(None),
                ActivationCode.revoked_at.is_(None),
                ActivationCode.expires_at > now,
                ActivationCode.issued_at >= now - RECENT_CODES_WINDOW,
            )
            .order_by(ActivationCode.issued_at)
        )
    ]


def _recent_codes_message(
    session: Session, class_name: str, codes: list[tuple[int, str, datetime, int]]
) -> str:
    zone = get_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE)
    batches: dict[tuple[str, str], int] = {}
    for _, who, at, _ in codes:
        key = (who, format_timestamp(at, zone))
        batches[key] = batches.get(key, 0) + 1
    issued = "; ".join(
        f"{who}, {when} (не использовано кодов: {count})" for (who, when), count in batches.items()
    )
    return (
        f"Реквизиты {class_name} класса уже выдавались меньше часа назад: {issued}. "
        "Если выдать всем заново, листки с этими кодами перестанут действовать. "
        "Выберите: выдать только тем, у кого свежего кода нет, или выдать заново всем "
        "(только если те листки потеряны или не розданы)."
    )


@dataclass(frozen=True)
class IssuedCredential:
    """What goes on one paper slip; the plaintext code lives only in memory."""

    kind: PersonKind
    name: str
    children: tuple[str, ...]
    class_name: str
    login: str
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class IssueResult:
    """The slips to print and the people left out, with the reason."""

    issued: list[IssuedCredential]
    skipped: list[str]
    created_accounts: int


def locked_class_for_codes(session: Session, class_id: int) -> SchoolClass:
    """Lock the class row, then the school-wide issue lock: issues and blocks take turns."""
    # A second issue for the class waits here and then sees the codes the first one made.
    school_class = lock_or_404(session, SchoolClass, class_id, "Класс не найден.")
    # Then one at a time school-wide: a guardian with children in two classes, and logins,
    # are shared between classes (issuing is quick: no password hashing, no PDF in here).
    lock_name(session, "credentials.issue")
    return school_class


@read_modify_write("the class row and a school-wide transaction lock; recent codes re-read")
def issue_credentials(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    people: Collection[PersonRef] | None = None,
    valid_days: int = DEFAULT_CODE_VALID_DAYS,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    recent: RecentCodes = RecentCodes.ASK,
    recent_seen: Collection[int] | None = None,
) -> IssueResult:
    """Issue new activation codes for the selected people (None: everyone not yet activated).

    Issues for one class are serialised (the class row is locked), and a whole-class issue
    does not void codes from the last hour unless `recent` says so. `recent_seen` are the codes
    the user was asked about (`RecentCodesFound.seen`): if others were issued meanwhile (an
    overlapping run), the answer does not cover them and the user is asked again.
    """
    require_class_scope(session, actor, class_id, Action.ISSUE_CREDENTIALS)
    if not 1 <= valid_days <= 365:
        raise DomainError("Срок действия кода — от 1 до 365 дней.")
    now = now or utcnow()
    school_class = locked_class_for_codes(session, class_id)
    members = class_people(session, class_id, on)
    whole_class = people is None
    if people is not None:
        check_selection(session, actor, members, people, school_class.name)
        if not people:
            raise DomainError("Никто не выбран: отметьте людей или выдайте реквизиты всему классу.")
    # Slips come out in the class list's order, each student's guardians beside them.
    chosen = set(members if people is None else people)
    selected = [ref for ref in members if ref in chosen]
    accounts = accounts_of(session, selected)
    targets, skipped = _issue_targets(session, actor, members, selected, accounts, on, whole_class)
    if whole_class:
        targets = _without_recent_codes(session, school_class, targets, now, recent, recent_seen)
    created = _reset_or_create_accounts(session, targets, accounts, now)
    holders = [(person, accounts[person.ref]) for person, _ in targets]
    expires_at = now + timedelta(days=valid_days)
    issued = _issue_codes(session, actor, school_class.name, holders, now, expires_at, progress)
    record_activity(
        session,
        event="credentials_issued",
        login=actor.login,
        user_id=actor.user_id,
        detail=f"класс {school_class.name}: выдано {len(issued)}, новых учётных записей {created}",
        session_id=actor.session_id,
    )
    return IssueResult(issued=issued, skipped=skipped, created_accounts=created)


def _issue_targets(
    session: Session,
    actor: Actor,
    members: dict[PersonRef, ClassPerson],
    selected: list[PersonRef],
    accounts: dict[PersonRef, UserAccount],
    on: date,
    whole_class: bool,
) -> tuple[list[tuple[ClassPerson, UserAccount | None]], list[str]]:
    """Who gets a new code, and why the others are skipped (staff, shared guardians)."""
    shared = shared_guardians(session, actor, accounts, on)
    skipped: list[str] = []
    targets: list[tuple[ClassPerson, UserAccount | None]] = []
    for ref in selected:
        person, user = members[ref], accounts.get(ref)
        if user is not None and (user.staff_id is not None or user.roles & STAFF_ROLES):
            skipped.append(
                f"{person.full_name}: учётная запись сотрудника, реквизиты выдаёт администратор"
            )
            continue
        # The whole-class action never resets someone who already works in the system.
        if whole_class and user is not None and user.status is not AccountStatus.ISSUED:
            continue
        if ref in shared:
            skipped.append(
                f"{person.full_name}: есть дети в других классах, реквизиты заново выдаёт "
                "администратор"
            )
            continue
        targets.append((person, user))
    return targets, skipped


def _issue_codes(
    session: Session,
    actor: Actor,
    class_name: str,
    holders: list[tuple[ClassPerson, UserAccount]],
    now: datetime,
    expires_at: datetime,
    progress: Callable[[int, int], None] | None,
) -> list[IssuedCredential]:
    """A new code for each account; the codes it had before stop working."""
    for old in open_codes(session, [user.id for _, user in holders]):
        old.revoked_at = now
    issued: list[IssuedCredential] = []
    for index, (person, user) in enumerate(holders, start=1):
        code = add_activation_code(session, actor, user_id=user.id, now=now, expires_at=expires_at)
        issued.append(
            IssuedCredential(
                kind=person.ref.kind,
                name=person.full_name,
                children=tuple(person.children),
                class_name=class_name,
                login=user.login,
                code=code,
                expires_at=expires_at,
            )
        )
        if progress is not None:
            progress(index, len(holders))
    session.flush()
    return issued


def _without_recent_codes(
    session: Session,
    school_class: SchoolClass,
    targets: list[tuple[ClassPerson, UserAccount | None]],
    now: datetime,
    recent: RecentCodes,
    seen: Collection[int] | None,
) -> list[tuple[ClassPerson, UserAccount | None]]:
    """Leave out (SKIP) or keep (REPLACE) people given a code in the last hour; ASK refuses.

    An answer given to a question about other codes than those there now is asked again.
    """
    codes = _recent_codes(session, [u.id for _, u in targets if u is not None], now)
    found = frozenset(code_id for *_, code_id in codes)
    changed = seen is not None and found != frozenset(seen)
    if codes and (recent is RecentCodes.ASK or changed):
        message = _recent_codes_message(session, school_class.name, codes)
        raise RecentCodesFound(message, len(codes), found)
    if recent is RecentCodes.REPLACE:
        return targets
    fresh = {user_id for user_id, *_ in codes}
    return [(p, u) for p, u in targets if u is None or u.id not in fresh]


def _reset_or_create_accounts(
    session: Session,
    targets: list[tuple[ClassPerson, UserAccount | None]],
    accounts: dict[PersonRef, UserAccount],
    now: datetime,
) -> int:
    """Existing accounts go back to «issued»; people without one get it. Returns how many new."""
    taken = set(session.scalars(select(UserAccount.login)))
    created = 0
    for person, user in targets:
        if user is not None:
            user.return_to_issued(now)
            continue
        is_student = person.ref.kind is PersonKind.STUDENT
        new_user = UserAccount(
            login=make_login(person.last_name, person.first_name, taken),
            display_name=person.full_name,
            password_hash=None,
            status=AccountStatus.ISSUED,
            must_change_password=True,
            sessions_valid_after=now,
            student_id=person.ref.id if is_student else None,
            guardian_id=None if is_student else person.ref.id,
            role_rows=[UserRole(role=Role.STUDENT if is_student else Role.GUARDIAN)],
        )
        session.add(new_user)
        accounts[person.ref] = new_user
        created += 1
    session.flush()
    return created
