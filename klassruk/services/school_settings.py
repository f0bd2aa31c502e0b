"""School settings: the school-wide values every run reads (name, time zone, address, policy)."""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from klassruk import clock
from klassruk.access.permissions import Action, Actor, Role, require
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models.accounts import AppSetting, UserAccount
from klassruk.services.locking import insert_unique, read_modify_write

DEMO_MODE_KEY = "demo_mode"
SCHOOL_NAME_KEY = "school_name"
TIMEZONE_KEY = "timezone"
APP_URL_KEY = "app_url"
MAX_APP_URL_LENGTH = 200
# Roles whose accounts must have a second factor, comma-separated (services/second_factor.py).
SECOND_FACTOR_ROLES_KEY = "second_factor_roles"
DEFAULT_TIMEZONE = "Europe/Moscow"
# Russia's eleven zones, west to east: one zone per offset, named by its cities (no daylight
# saving since 2014, so the offset says it all). Any other IANA name is accepted as well.
RUSSIAN_TIME_ZONES: dict[str, str] = {
    "Europe/Kaliningrad": "МСК−1 (UTC+2): Калининград",
    "Europe/Moscow": "МСК (UTC+3): Москва, Санкт-Петербург, Казань, Ростов-на-Дону",
    "Europe/Samara": "МСК+1 (UTC+4): Самара, Саратов, Ульяновск, Ижевск",
    "Asia/Yekaterinburg": "МСК+2 (UTC+5): Екатеринбург, Пермь, Челябинск, Тюмень, Уфа",
    "Asia/Omsk": "МСК+3 (UTC+6): Омск",
    "Asia/Novosibirsk": "МСК+4 (UTC+7): Новосибирск, Красноярск, Томск, Барнаул, Кемерово",
    "Asia/Irkutsk": "МСК+5 (UTC+8): Иркутск, Улан-Удэ",
    "Asia/Yakutsk": "МСК+6 (UTC+9): Якутск, Чита, Благовещенск",
    "Asia/Vladivostok": "МСК+7 (UTC+10): Владивосток, Хабаровск",
    "Asia/Magadan": "МСК+8 (UTC+11): Магадан, Южно-Сахалинск",
    "Asia/Kamchatka": "МСК+9 (UTC+12): Петропавловск-Камчатский, Анадырь",
}
DEFAULT_SCHOOL_NAME = "Классрук"


class SetupState(enum.StrEnum):
    """Whether the app can be logged into yet."""

    EMPTY = "empty"
    READY = "ready"


def setup_state(session: Session) -> SetupState:
    """EMPTY until the first account exists."""
    first = session.scalar(select(UserAccount.id).limit(1))
    return SetupState.EMPTY if first is None else SetupState.READY


@dataclass(frozen=True)
class SchoolSettings:
    """The school-wide settings every run needs."""

    state: SetupState
    school_name: str
    timezone: str
    demo_mode: bool
    # The address users type, as the admin set it; empty: the deployment's KLASSRUK_APP_URL.
    app_url: str = ""
    second_factor_roles: frozenset[Role] = frozenset()


def read_school_settings(session: Session) -> SchoolSettings:
    """All school-wide settings a run needs, in two small queries."""
    rows = session.execute(select(AppSetting.key, AppSetting.value))
    values = {key: value for key, value in rows}
    return SchoolSettings(
        state=setup_state(session),
        school_name=values.get(SCHOOL_NAME_KEY) or DEFAULT_SCHOOL_NAME,
        timezone=values.get(TIMEZONE_KEY) or DEFAULT_TIMEZONE,
        demo_mode=values.get(DEMO_MODE_KEY) == "1",
        app_url=values.get(APP_URL_KEY) or "",
        second_factor_roles=parse_roles(values.get(SECOND_FACTOR_ROLES_KEY, "")),
    )


def parse_roles(stored: str) -> frozenset[Role]:
    """Roles kept in a setting as comma-separated values (unknown ones ignored)."""
    known = {role.value: role for role in Role}
    return frozenset(known[value] for value in stored.split(",") if value in known)


def get_setting(session: Session, key: str, default: str = "") -> str:
    """A school-wide setting from the database."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == key))
    return value if value is not None else default


def school_today(session: Session) -> date:
    """Today in the school's time zone (callers pass the page's own `today` where it has one)."""
    return clock.school_today(get_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE))


@read_modify_write("the key is the primary key: a first value inserted in a savepoint")
def set_setting(session: Session, key: str, value: str) -> None:
    """Store a school-wide setting; of two sessions setting it at once, the later one wins."""

    def stored() -> AppSetting | None:
        return session.get(AppSetting, key, with_for_update=True, populate_existing=True)

    row, created = insert_unique(session, AppSetting(key=key, value=value), existing=stored)
    if not created:
        row.value = value


def school_address(admin_value: str, deployment_value: str) -> str:
    """The address users type: the admin's setting, else the deployment's KLASSRUK_APP_URL.

    The one rule behind the slips' address, the cookie's `Secure` flag and HSTS.
    """
    return admin_value or deployment_value


def served_over_https(address: str) -> bool:
    """Whether the school's address is an HTTPS one (Secure cookie, HSTS)."""
    return urlsplit(address).scheme.lower() == "https"


_EDGE_READER = Actor.system("http_edge")


class SchoolAddressReader:
    """The school's address for the HTTP edge (outside page runs), re-read every `ttl`."""

    def __init__(self, database_url: str, deployment_value: str, *, ttl: timedelta) -> None:
        self.database_url = database_url
        self.deployment_value = deployment_value
        self.ttl = ttl
        self._factory: sessionmaker[Session] | None = None
        self._cached: tuple[datetime, str] | None = None

    def __call__(self) -> str:
        """The address as the admin set it a moment ago (the deployment's when unreadable)."""
        now = utcnow()
        if self._cached is not None and now - self._cached[0] < self.ttl:
            return self._cached[1]
        admin_value = ""
        try:
            if self._factory is None:
                self._factory = make_session_factory(make_engine(self.database_url))
            # A read-only unit: no write lock on SQLite for a look at one setting.
            with unit_of_work(self._factory, _EDGE_READER, read_only=True) as session:
                admin_value = get_setting(session, APP_URL_KEY)
        except SQLAlchemyError:
            # Before the first migration there is no table yet: the deployment's value holds.
            admin_value = ""
        address = school_address(admin_value, self.deployment_value)
        self._cached = (now, address)
        return address


def _has_valid_port(address: str) -> bool:
    try:
        _ = urlsplit(address).port  # raises on a port that is not a number from 0 to 65535
    except ValueError:
        return False
    return True


def checked_app_url(value: str) -> str:
    """The address users type, as printed on slips: an http(s) URL without a trailing slash."""
    address = value.strip().rstrip("/")
    example = "Например: https://klassruk.school17.ru"
    if not address:
        raise DomainError(f"Укажите адрес, по которому пользователи открывают Классрук. {example}")
    parts = urlsplit(address)
    bad = (
        not _has_valid_port(address)
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(char.isspace() for char in address)
        or len(address) > MAX_APP_URL_LENGTH
    )
    if bad:
        raise DomainError(
            "Адрес должен начинаться с http:// или https:// и содержать имя сервера, "
            f"без пробелов и без «?» и «#» (не длиннее {MAX_APP_URL_LENGTH} символов). {example}"
        )
    return address


def reachable_by_users(address: str) -> bool:
    """Whether users elsewhere can open `address`: set, and not this computer (loopback)."""
    host = (urlsplit(address.strip()).hostname or "").rstrip(".").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: the school's DNS decides, we cannot know better
    return not (ip.is_loopback or ip.is_unspecified)


def timezone_title(timezone: str) -> str:
    """How a time zone reads in a list: offset from Moscow and cities, else its IANA name."""
    return RUSSIAN_TIME_ZONES.get(timezone, timezone)


def checked_timezone(value: str) -> str:
    """An IANA time zone name the clock can use (Asia/Novosibirsk), or a Russian refusal."""
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            f"Неизвестный часовой пояс «{name}»: выберите часовой пояс школы из списка."
        ) from None
    return name


def set_timezone(session: Session, actor: Actor, *, timezone: str) -> str:
    """Change the school's time zone: its today, deadlines and every time shown follow it."""
    require(actor, Action.MANAGE_SCHOOL_STRUCTURE)
    zone = checked_timezone(timezone)
    set_setting(session, TIMEZONE_KEY, zone)
    return zone


def set_app_url(session: Session, actor: Actor, *, app_url: str) -> str:
    """Change the address printed on slips and in links; returns it as stored."""
    require(actor, Action.MANAGE_SCHOOL_STRUCTURE)
    address = checked_app_url(app_url)
    set_setting(session, APP_URL_KEY, address)
    return address
