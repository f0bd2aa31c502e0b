"""Credentials: accounts for students and guardians, one-time activation codes, the status board."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound, PermissionDenied
from klassruk.formatting import format_timestamp
from klassruk.logins import make_login
from klassruk.models import (
    AccountStatus,
    ActivationCode,
    Guardian,
    GuardianLink,
    SchoolClass,
    UserAccount,
    UserRole,
)
from klassruk.passwords import (
    PasswordChange,
    check_new_password,
)
from klassruk.permissions import Action, Actor, Role, require
from klassruk.services.activity import record_activity
from klassruk.services.locking import lock_name, lock_rows, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.roster.people import class_people as class_roster
from klassruk.services.scope.classes import require_class_scope
from klassruk.services.scope.links import SHARED_GUARDIAN, shared_guardian_ids

# No 0/O, 1/I/L: nothing a parent can misread on paper. 31 symbols × 16 ≈ 79 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
DEFAULT_CODE_VALID_DAYS = 30
_CODE_HASH_DOMAIN = "klassruk-activation-code:v1"
# A code typed on a Russian keyboard layout: Cyrillic look-alikes become the Latin letters.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХавекмнорстух", "ABEKMHOPCTYXABEKMHOPCTYX")

CODE_EXPIRED_ERROR = (
    "Срок действия кода активации истёк. Попросите классного руководителя выдать новый код."
)
CODE_USED_ERROR = (
    "Этот код активации уже использован. Войдите с паролем, который вы задали при первом входе; "
    "если вы его не помните, попросите классного руководителя выдать новый код."
)
CODE_REPLACED_ERROR = (
    "Этот код активации заменён более новым. Используйте код с последнего выданного листка."
)
FIRST_PASSWORD_REFUSED = (
    "Задать пароль без текущего можно только сразу после входа по коду активации. "
    "Попросите классного руководителя выдать новый код."
)
STAFF_ROLES = frozenset({Role.ADMIN, Role.DEPUTY_HEAD, Role.TEACHER, Role.CLASS_TEACHER})


def generate_code() -> str:
    """A new random activation code such as 7KQM-P2XD-HW4N-9TRA."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalize_code(typed: str) -> str:
    """The code as stored for hashing: upper-case letters and digits only."""
    latin = typed.translate(_LOOKALIKES).upper()
    return "".join(ch for ch in latin if ch.isascii() and ch.isalnum())


def hash_code(user_id: int, code: str) -> str:
    """SHA-256 of the code bound to its account (a fast hash: the code has ~79 random bits)."""
    payload = f"{_CODE_HASH_DOMAIN}:{user_id}:{normalize_code(code)}"
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


class PersonKind(enum.StrEnum):
    """Whose credentials: a student's or a guardian's (a staff member's only for a new code)."""

    STUDENT = "student"
    GUARDIAN = "guardian"
    STAFF = "staff"


PERSON_KIND_TITLES: dict[PersonKind, str] = {
    PersonKind.STUDENT: "обучающийся",
    PersonKind.GUARDIAN: "родитель (законный представитель)",
    PersonKind.STAFF: "сотрудник",
}


@dataclass(frozen=True, order=True)
class PersonRef:
    """A student or a guardian, by record id."""

    kind: PersonKind
    id: int


@dataclass
class ClassPerson:
    """A student or a guardian of a class, as the credentials board and the slips name them."""

    ref: PersonRef
    last_name: str
    first_name: str
    full_name: str
    children: list[str] = field(default_factory=list)


def _class_or_404(session: Session, class_id: int) -> SchoolClass:
    return get_or_404(session, SchoolClass, class_id, "Класс не найден.")


def class_people(session: Session, class_id: int, on: date) -> dict[PersonRef, ClassPerson]:
    """Students enrolled in the class on `on`, each followed by their current guardians."""
    roster = class_roster(session, class_id, on)
    people: dict[PersonRef, ClassPerson] = {}
    for student in roster.students.values():
        ref = PersonRef(PersonKind.STUDENT, student.id)
        people[ref] = ClassPerson(ref, student.last_name, student.first_name, student.full_name)
        # A shared guardian stands by the first of their children in the class list.
        for guardian_id in roster.guardians:
            if roster.children[guardian_id][0] != student.id:
                continue
            guardian = roster.guardians[guardian_id]
            people[PersonRef(PersonKind.GUARDIAN, guardian_id)] = ClassPerson(
                PersonRef(PersonKind.GUARDIAN, guardian_id),
                guardian.last_name, guardian.first_name, guardian.full_name,
                [f"{roster.students[s].last_name} {roster.students[s].first_name}"
                 for s in roster.children[guardian_id]],
            )
    return people


def accounts_of(session: Session, refs: Collection[PersonRef]) -> dict[PersonRef, UserAccount]:
    """The accounts of the given students and guardians (people without one are left out)."""
    student_ids = [r.id for r in refs if r.kind is PersonKind.STUDENT]
    guardian_ids = [r.id for r in refs if r.kind is PersonKind.GUARDIAN]
    found: dict[PersonRef, UserAccount] = {}
    if student_ids:
        for user in session.scalars(
            select(UserAccount).where(UserAccount.student_id.in_(student_ids))
        ):
            found[PersonRef(PersonKind.STUDENT, user.student_id or 0)] = user
    if guardian_ids:
        for user in session.scalars(
            select(UserAccount).where(UserAccount.guardian_id.in_(guardian_ids))
        ):
            found[PersonRef(PersonKind.GUARDIAN, user.guardian_id or 0)] = user
    return found


def _shared_guardians(
    session: Session, actor: Actor, accounts: dict[PersonRef, UserAccount], on: date
) -> set[PersonRef]:
    """Guardians with an account whose credentials this actor may not reset (see scope.py)."""
    guardian_ids = [ref.id for ref in accounts if ref.kind is PersonKind.GUARDIAN]
    return {
        PersonRef(PersonKind.GUARDIAN, guardian_id)
        for guardian_id in shared_guardian_ids(
            session, actor, guardian_ids, Action.ISSUE_CREDENTIALS, on=on
        )
    }


def _check_selection(
    session: Session,
    actor: Actor,
    people: dict[PersonRef, ClassPerson],
    selected: Collection[PersonRef],
    cls: str,
) -> None:
    for ref in selected:
        if ref in people:
            continue
        # Only the admin learns why: a class teacher must not learn who exists outside the class.
        if ref.kind is PersonKind.GUARDIAN and actor.is_school_wide_for(Action.ISSUE_CREDENTIALS):
            guardian = session.get(Guardian, ref.id)
            if guardian is not None and not session.scalar(
                select(GuardianLink.id).where(GuardianLink.guardian_id == ref.id).limit(1)
            ):
                raise DomainError(
                    f"У представителя «{guardian.full_name}» нет ни одного связанного "
                    "обучающегося: реквизиты не выдаются. Сначала укажите его детей."
                )
        raise DomainError(f"Выбранный человек не относится к классу {cls}: ничего не изменено.")


def open_codes(session: Session, user_ids: Collection[int]) -> list[ActivationCode]:
    """Codes of these accounts that are neither used nor revoked yet."""
    if not user_ids:
        return []
    return list(
        session.scalars(
            select(ActivationCode).where(
                ActivationCode.user_id.in_(list(user_ids)),
                ActivationCode.used_at.is_(None),
                ActivationCode.revoked_at.is_(None),
            )
        )
    )


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
    # Imported here: klassruk.setup imports the accounts service, which imports this module.
    from klassruk.setup import DEFAULT_TIMEZONE, TIMEZONE_KEY, get_setting

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


def add_activation_code(
    session: Session, actor: Actor, *, user_id: int, now: datetime, expires_at: datetime
) -> str:
    """Store a new code for the account (hashed) and return its plaintext, shown only once."""
    code = generate_code()
    session.add(
        ActivationCode(
            user_id=user_id,
            code_hash=hash_code(user_id, code),
            issued_at=now,
            expires_at=expires_at,
            issued_by_user_id=actor.user_id,
            issued_by_login=actor.login[:80],
        )
    )
    return code


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
    # A second issue for the class waits here and then sees the codes the first one made.
    locked = lock_rows(session, SchoolClass, [class_id])
    if not locked:
        raise NotFound("Класс не найден.")
    school_class = locked[0]
    # Then one issue at a time school-wide: a guardian with children in two classes, and
    # logins, are shared between classes (issuing is quick: no bcrypt, no PDF in here).
    lock_name(session, "credentials.issue")
    members = class_people(session, class_id, on)
    whole_class = people is None
    if people is not None:
        _check_selection(session, actor, members, people, school_class.name)
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
    shared = _shared_guardians(session, actor, accounts, on)
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


@dataclass(frozen=True)
class CodeOutcome:
    """Result of a login with a code: activated, or a message if the code was recognised."""

    activated: bool
    error: str | None = None


def activate_with_code(
    session: Session,
    *,
    user: UserAccount,
    code: str,
    now: datetime | None = None,
    session_id: str | None = None,
) -> CodeOutcome:
    """Use the account's current code: mark it used and the account active (password pending)."""
    now = now or utcnow()
    if not normalize_code(code):
        return CodeOutcome(False)
    typed_hash = hash_code(user.id, code)
    matched = next(
        (
            row
            for row in session.scalars(
                select(ActivationCode)
                .where(ActivationCode.user_id == user.id)
                .order_by(ActivationCode.id.desc())
            )
            if hmac.compare_digest(row.code_hash, typed_hash)
        ),
        None,
    )
    if matched is None:
        return CodeOutcome(False)
    if matched.used_at is not None and _resumable(user, matched, now):
        # Activated, but no password was set (the tab closed, the cookie was lost): the code
        # stays usable until the password is set or the code expires; this session may set it.
        matched.used_session_id = session_id
        record_activity(
            session, event="activation_resumed", login=user.login, user_id=user.id,
            session_id=session_id,
        )
        return CodeOutcome(True)
    if matched.used_at is not None and user.password_hash is None and matched.expires_at <= now:
        return CodeOutcome(False, CODE_EXPIRED_ERROR)  # no password was ever set with it
    if matched.used_at is not None:
        return CodeOutcome(False, CODE_USED_ERROR)
    if matched.revoked_at is not None:
        return CodeOutcome(False, CODE_REPLACED_ERROR)
    if matched.expires_at <= now:
        return CodeOutcome(False, CODE_EXPIRED_ERROR)
    if user.status is not AccountStatus.ISSUED:
        return CodeOutcome(False)
    matched.used_at = now
    matched.used_session_id = session_id
    user.status = AccountStatus.ACTIVE
    user.must_change_password = True
    record_activity(
        session, event="account_activated", login=user.login, user_id=user.id,
        session_id=session_id,
    )
    return CodeOutcome(True)


def _resumable(user: UserAccount, code: ActivationCode, now: datetime) -> bool:
    return (
        user.status is AccountStatus.ACTIVE
        and user.password_hash is None
        and user.must_change_password
        and code.revoked_at is None
        and code.expires_at > now
    )


def used_code_message(session: Session, *, user: UserAccount, typed: str) -> str | None:
    """If a failed password is in fact one of the account's old codes, say so plainly."""
    typed_hash = hash_code(user.id, typed)
    for row in session.scalars(select(ActivationCode).where(ActivationCode.user_id == user.id)):
        if hmac.compare_digest(row.code_hash, typed_hash):
            return CODE_USED_ERROR if row.used_at is not None else CODE_REPLACED_ERROR
    return None


def _pending_first_password_code(session: Session, actor: Actor) -> ActivationCode | None:
    if actor.user_id is None or actor.session_id is None:
        return None
    user = session.get(UserAccount, actor.user_id)
    if (
        user is None
        or user.password_hash is not None
        or user.status is not AccountStatus.ACTIVE
        or not user.must_change_password
    ):
        return None
    latest = session.scalar(
        select(ActivationCode)
        .where(ActivationCode.user_id == user.id, ActivationCode.used_at.is_not(None))
        .order_by(ActivationCode.used_at.desc(), ActivationCode.id.desc())
        .limit(1)
    )
    if latest is None or latest.used_session_id != actor.session_id:
        return None
    if not _resumable(user, latest, utcnow()):
        return None
    return latest


def needs_first_password(session: Session, actor: Actor) -> bool:
    """Whether this session activated the account by code and may set a password without one."""
    return _pending_first_password_code(session, actor) is not None


def set_first_password(
    session: Session, actor: Actor, *, new_password: str, confirmation: str
) -> None:
    """Both halves in one call (scripts, tests); pages run the bcrypt half before the write."""
    change = check_new_password(
        login=actor.login, new_password=new_password, confirmation=confirmation,
        names=(user.display_name,) if (user := session.get(UserAccount, actor.user_id)) else (),
    )
    store_first_password(session, actor, change)


def store_first_password(session: Session, actor: Actor, change: PasswordChange) -> None:
    """Set the first own password (hashed already) right after activation by code."""
    require(actor, Action.CHANGE_OWN_PASSWORD)
    if _pending_first_password_code(session, actor) is None:
        raise DomainError(FIRST_PASSWORD_REFUSED)
    user = session.get(UserAccount, actor.user_id)
    assert user is not None
    store_new_password(
        session, user, change.new_hash, event="password_set", session_id=actor.session_id
    )


def store_new_password(
    session: Session, user: UserAccount, new_hash: str, *, event: str, session_id: str | None
) -> None:
    """Set an already hashed password: activate the account and revoke its other sessions."""
    user.password_hash = new_hash
    user.must_change_password = False
    user.status = AccountStatus.ACTIVE
    user.sessions_valid_after = utcnow()
    record_activity(
        session, event=event, login=user.login, user_id=user.id, session_id=session_id
    )


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


def block_accounts(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    people: Collection[PersonRef],
    now: datetime | None = None,
) -> int:
    """Block the accounts of the selected people: sessions end and open codes stop working."""
    require_class_scope(session, actor, class_id, Action.ISSUE_CREDENTIALS)
    now = now or utcnow()
    school_class = _class_or_404(session, class_id)
    members = class_people(session, class_id, on)
    _check_selection(session, actor, members, people, school_class.name)
    accounts = accounts_of(session, people)
    shared = _shared_guardians(session, actor, accounts, on)
    for ref in people:
        user = accounts.get(ref)
        if user is None:
            raise DomainError(
                f"У «{members[ref].full_name}» нет учётной записи: блокировать нечего."
            )
        if user.staff_id is not None or user.roles & STAFF_ROLES:
            raise DomainError(
                f"«{members[ref].full_name}»: учётную запись сотрудника блокирует "
                "администратор."
            )
        if ref in shared:
            raise PermissionDenied(SHARED_GUARDIAN.format(name=members[ref].full_name))
    blocked = 0
    users = [accounts[ref] for ref in people]
    for old in open_codes(session, [u.id for u in users]):
        old.revoked_at = now
    for user in users:
        if user.status is AccountStatus.BLOCKED:
            continue
        user.status = AccountStatus.BLOCKED
        user.sessions_valid_after = now
        blocked += 1
        record_activity(
            session, event="account_blocked", login=user.login, user_id=user.id,
            detail=f"заблокировал {actor.login}", session_id=actor.session_id,
        )
    session.flush()
    return blocked
