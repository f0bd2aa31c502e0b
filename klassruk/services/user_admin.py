"""The admin's actions on one account, each audited with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import ROLE_TITLES, Action, Actor, Role, require
from klassruk.audit.log import audit_context
from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound
from klassruk.models.accounts import AccountStatus, UserAccount, UserRole
from klassruk.models.school import Enrolment, GuardianLink, SchoolClass, Student
from klassruk.services.accounts.login import find_user_by_login
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import (
    DEFAULT_CODE_VALID_DAYS,
    add_activation_code,
    open_codes,
)
from klassruk.services.credentials.issuing import IssuedCredential
from klassruk.services.credentials.people import STAFF_ROLES, PersonKind
from klassruk.services.locking import lock_name, lock_rows, read_modify_write
from klassruk.services.scope.classes import active_on
from klassruk.services.scope.links import link_current_on
from klassruk.services.second_factor import clear_second_factor
from klassruk.text.policy import AUDITED_REASON, required_reason


@dataclass(frozen=True)
class NewCode:
    """A new activation code for an account, shown once and never stored in plain text."""

    login: str
    code: str
    expires_at: datetime


def reset_to_new_code(
    session: Session, actor: Actor, *, user: UserAccount, now: datetime, valid_days: int
) -> NewCode:
    """Void the account's password, sessions and open codes; issue one new code."""
    for old in open_codes(session, [user.id]):
        old.revoked_at = now
    user.return_to_issued(now)
    # The revocations reach the database before the new code: one open code per account.
    session.flush()
    expires_at = now + timedelta(days=valid_days)
    code = add_activation_code(session, actor, user_id=user.id, now=now, expires_at=expires_at)
    return NewCode(login=user.login, code=code, expires_at=expires_at)


def _children_and_classes(
    session: Session, student_ids: list[int], on: date
) -> tuple[tuple[str, ...], str]:
    rows = session.execute(
        select(Student.last_name, Student.first_name, SchoolClass.grade, SchoolClass.letter)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(
            Student.id.in_(student_ids),
            active_on(Enrolment.starts_on, Enrolment.ends_on, on),
        )
        .order_by(Student.last_name, Student.first_name)
    ).all()
    classes = dict.fromkeys(f"{grade}{letter}" for _, _, grade, letter in rows)
    return tuple(f"{last} {first}" for last, first, _, _ in rows), ", ".join(classes)


def code_slip(session: Session, actor: Actor, *, new_code: NewCode, on: date) -> IssuedCredential:
    """The paper slip of a new activation code, as the class's credential slips show it."""
    require(actor, Action.MANAGE_USERS)
    user = find_user_by_login(session, new_code.login)
    if user is None:
        raise NotFound("Учётная запись не найдена.")
    if user.student_id is not None:
        kind, student_ids = PersonKind.STUDENT, [user.student_id]
    elif user.guardian_id is not None:
        kind = PersonKind.GUARDIAN
        student_ids = list(
            session.scalars(
                select(GuardianLink.student_id).where(
                    GuardianLink.guardian_id == user.guardian_id,
                    link_current_on(on),
                )
            )
        )
    else:
        kind, student_ids = PersonKind.STAFF, []
    children, class_name = _children_and_classes(session, student_ids, on)
    return IssuedCredential(
        kind=kind,
        name=user.display_name,
        children=children if kind is PersonKind.GUARDIAN else (),
        class_name=class_name,
        login=user.login,
        code=new_code.code,
        expires_at=new_code.expires_at,
    )


def _target(session: Session, actor: Actor, login: str, reason: str) -> tuple[UserAccount, str]:
    require(actor, Action.MANAGE_USERS)
    cleaned = required_reason(reason, missing=AUDITED_REASON)
    found = find_user_by_login(session, login)
    if found is None:
        raise NotFound("Учётная запись не найдена.")
    # Two admins changing one account: the second waits, then checks what the first left.
    (user,) = lock_rows(session, UserAccount, [found.id])
    return user, cleaned


def _log_action(session: Session, actor: Actor, event: str, detail: str) -> None:
    """The admin's action on an account in the activity log (the audit log has the change)."""
    record_activity(
        session, event=event, login=actor.login, user_id=actor.user_id, detail=detail[:500],
        session_id=actor.session_id,
    )


def lift_lockout(session: Session, actor: Actor, *, login: str, reason: str) -> None:
    """Let the account try to log in again now (the failed-attempt lock is lifted)."""
    user, reason = _target(session, actor, login, reason)
    if user.locked_until is None and not user.failed_attempts:
        raise DomainError(f"Вход для «{user.display_name}» не заблокирован.")
    with audit_context(session, reason=reason):
        user.locked_until = None
        user.failed_attempts = 0
    _log_action(session, actor, "lockout_lifted", f"{user.login}: {reason}")


def reissue_code(
    session: Session,
    actor: Actor,
    *,
    login: str,
    reason: str,
    valid_days: int = DEFAULT_CODE_VALID_DAYS,
    now: datetime | None = None,
) -> NewCode:
    """A new activation code for any account; the old password and sessions stop working."""
    user, reason = _target(session, actor, login, reason)
    if user.status is AccountStatus.BLOCKED:
        raise DomainError(
            f"Учётная запись «{user.display_name}» заблокирована: сначала разблокируйте её "
            "или закройте инцидент с восстановлением доступа."
        )
    if user.id == actor.user_id:
        raise DomainError("Свой пароль меняйте в профиле.")
    with audit_context(session, reason=reason):
        new = reset_to_new_code(
            session, actor, user=user, now=now or utcnow(), valid_days=valid_days
        )
    _log_action(session, actor, "code_reissued", f"{user.login}: {reason}")
    return new


def reset_second_factor(
    session: Session, actor: Actor, *, login: str, reason: str, now: datetime | None = None
) -> None:
    """Switch off a user's second factor (a lost phone); their sessions end, they enrol again."""
    user, reason = _target(session, actor, login, reason)
    if user.totp_secret is None:
        raise DomainError(f"У «{user.display_name}» второй фактор не подключён.")
    if user.id == actor.user_id:
        raise DomainError("Свой второй фактор может сбросить только другой администратор.")
    with audit_context(session, reason=f"Сброс второго фактора: {reason}"):
        clear_second_factor(session, user)
        user.sessions_valid_after = now or utcnow()
    _log_action(session, actor, "second_factor_reset", f"{user.login}: {reason}")


@dataclass(frozen=True)
class RolesChanged:
    """What a change of roles did, and what the admin still has to do."""

    user: UserAccount
    next_step: str | None


def _check_roles(session: Session, actor: Actor, user: UserAccount, roles: frozenset[Role]) -> None:
    if not roles:
        raise DomainError("У учётной записи должна быть хотя бы одна роль.")
    family_only = user.staff_id is None and (user.guardian_id or user.student_id)
    if family_only and roles & STAFF_ROLES:
        raise DomainError(
            f"Учётная запись «{user.display_name}» выдана семье: роли сотрудников ей не даются."
        )
    for role, link in ((Role.GUARDIAN, user.guardian_id), (Role.STUDENT, user.student_id)):
        if role in roles and link is None:
            raise DomainError(
                f"Роль «{ROLE_TITLES[role]}» даётся только учётной записи, выданной "
                "классным руководителем через «Реквизиты доступа»."
            )
    if Role.ADMIN not in user.roles or Role.ADMIN in roles:
        return
    if user.id == actor.user_id:
        raise DomainError("Снять роль администратора с самого себя нельзя.")
    # Two admins taking the role from each other at once would each see the other: in turn.
    lock_name(session, "user_admin.admins")
    other_admins = session.scalar(
        select(func.count()).where(
            UserAccount.id != user.id,
            UserAccount.status != AccountStatus.BLOCKED,
            UserAccount.role_rows.any(UserRole.role == Role.ADMIN),
        )
    )
    if not other_admins:
        raise DomainError("Это последний действующий администратор: сначала назначьте другого.")


@read_modify_write("the account row locked before its roles are compared")
def set_roles(
    session: Session,
    actor: Actor,
    *,
    login: str,
    roles: frozenset[Role],
    reason: str,
    now: datetime | None = None,
) -> RolesChanged:
    """Give a user exactly `roles`; their sessions end, so the new menu applies at once."""
    user, reason = _target(session, actor, login, reason)
    _check_roles(session, actor, user, roles)
    if roles == user.roles:
        raise DomainError(f"Роли «{user.display_name}» не изменились.")
    with audit_context(session, reason=f"Смена ролей: {reason}"):
        for row in [row for row in user.role_rows if row.role not in roles]:
            user.role_rows.remove(row)
        user.role_rows.extend(UserRole(role=role) for role in sorted(roles - user.roles))
        user.sessions_valid_after = now or utcnow()
    roles_named = ", ".join(sorted(roles))
    _log_action(session, actor, "roles_changed", f"{user.login}: {roles_named}; {reason}")
    return RolesChanged(user, _class_teacher_next_step(session, user))


def _class_teacher_next_step(session: Session, user: UserAccount) -> str | None:
    if Role.CLASS_TEACHER not in user.roles or session.scalar(
        select(SchoolClass.id).where(SchoolClass.class_teacher_id == user.staff_id).limit(1)
    ):
        return None
    return (
        "Класс ещё не назначен: назначьте классного руководителя классу на странице "
        "«Учебная нагрузка», иначе раздел «Мой класс» будет пуст."
    )
