"""First start: the two ways out of an empty school database (a real school or the demo)."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor, Role
from klassruk.errors import DomainError
from klassruk.models.accounts import UserAccount
from klassruk.models.school import SchoolYear, Staff
from klassruk.services.accounts.users import create_user
from klassruk.services.school_settings import (
    APP_URL_KEY,
    DEFAULT_TIMEZONE,
    DEMO_MODE_KEY,
    SCHOOL_NAME_KEY,
    TIMEZONE_KEY,
    SetupState,
    checked_app_url,
    checked_timezone,
    set_setting,
    setup_state,
)
from klassruk.text.policy import clean_name

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
    occupied = setup_state(session) is SetupState.READY or session.scalar(
        select(func.count()).select_from(SchoolYear)
    )
    if occupied:
        raise DomainError(
            "База данных уже используется (в ней есть учётные записи или учебный год): "
            "демо-школу и первого администратора можно создать только в пустой базе."
        )


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
    app_url: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> UserAccount:
    """Set up a real school: its name, address, time zone and first admin, on an empty database.

    `app_url` None (the CLI, tests) leaves the address to the deployment's setting.
    """
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
    address = checked_app_url(app_url) if app_url is not None else None
    zone = checked_timezone(timezone)
    staff = Staff(
        last_name=clean_name(last_name, field="Фамилия").text,
        first_name=clean_name(first_name, field="Имя").text,
        middle_name=clean_name(middle_name, field="Отчество").text or None,
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
    set_setting(session, TIMEZONE_KEY, zone)
    set_setting(session, DEMO_MODE_KEY, "0")
    if address is not None:
        set_setting(session, APP_URL_KEY, address)
    return user
