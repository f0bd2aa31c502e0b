"""First start: what state the school database is in, and the two ways out of an empty one."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from klassruk.errors import DomainError
from klassruk.models import AppSetting, SchoolYear, Staff, UserAccount
from klassruk.permissions import Actor, Role
from klassruk.services.accounts import count_users, create_user

DEMO_MODE_KEY = "demo_mode"
SCHOOL_NAME_KEY = "school_name"
TIMEZONE_KEY = "timezone"
DEFAULT_TIMEZONE = "Europe/Moscow"
DEFAULT_SCHOOL_NAME = "Классрук"


class SetupState(enum.StrEnum):
    """Whether the app can be logged into yet."""

    EMPTY = "empty"
    READY = "ready"


def setup_state(session: Session) -> SetupState:
    """EMPTY until the first account exists."""
    return SetupState.READY if count_users(session) else SetupState.EMPTY


# Any constant shared by everything that claims an empty database (pg_advisory_xact_lock).
_FIRST_RUN_LOCK = 0x6B6C6173


def claim_empty_database(session: Session) -> None:
    """Refuse unless the database is empty, and hold that until the transaction ends.

    The demo and the first administrator both start here: on SQLite the write transaction
    (BEGIN IMMEDIATE) already excludes the other, on PostgreSQL a transaction-level advisory
    lock does, so a real school's first admin and a demo seeding can never both succeed.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FIRST_RUN_LOCK})
    occupied = count_users(session) or session.scalar(
        select(func.count()).select_from(SchoolYear)
    )
    if occupied:
        raise DomainError(
            "База данных уже используется (в ней есть учётные записи или учебный год): "
            "демо-школу и первого администратора можно создать только в пустой базе."
        )


@dataclass(frozen=True)
class SchoolSettings:
    """The school-wide settings every run needs."""

    state: SetupState
    school_name: str
    timezone: str
    demo_mode: bool


def read_school_settings(session: Session) -> SchoolSettings:
    """All school-wide settings a run needs, in two small queries."""
    rows = session.execute(select(AppSetting.key, AppSetting.value))
    values = {key: value for key, value in rows}
    return SchoolSettings(
        state=setup_state(session),
        school_name=values.get(SCHOOL_NAME_KEY) or DEFAULT_SCHOOL_NAME,
        timezone=values.get(TIMEZONE_KEY) or DEFAULT_TIMEZONE,
        demo_mode=values.get(DEMO_MODE_KEY) == "1",
    )


def get_setting(session: Session, key: str, default: str = "") -> str:
    """A school-wide setting from the database."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == key))
    return value if value is not None else default


def set_setting(session: Session, key: str, value: str) -> None:
    """Store a school-wide setting."""
    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value=value))
    else:
        row.value = value


def create_first_admin(
    session: Session,
    actor: Actor,
    *,
    school_name: str,
    last_name: str,
    first_name: str,
    middle_name: str,
    login: str,
    password: str,
    confirmation: str,
) -> UserAccount:
    """Set up a real school: its name and the first administrator, only on an empty database."""
    if not actor.is_system:
        raise DomainError("Первичная настройка выполняется только при первом запуске.")
    if setup_state(session) is not SetupState.EMPTY:
        raise DomainError("Школа уже настроена: войдите под существующей учётной записью.")
    claim_empty_database(session)
    if not school_name.strip():
        raise DomainError("Укажите название образовательной организации.")
    if not last_name.strip() or not first_name.strip():
        raise DomainError("Укажите фамилию и имя администратора.")
    if password != confirmation:
        raise DomainError("Пароль и подтверждение не совпадают.")
    staff = Staff(
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        middle_name=middle_name.strip() or None,
        position="Администратор системы",
    )
    session.add(staff)
    session.flush()
    user = create_user(
        session,
        actor,
        login=login,
        display_name=staff.full_name,
        roles={Role.ADMIN},
        password=password,
        must_change_password=False,
        staff_id=staff.id,
    )
    set_setting(session, SCHOOL_NAME_KEY, school_name.strip())
    set_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE)
    set_setting(session, DEMO_MODE_KEY, "0")
    return user
