"""Login throttling beyond one account: per client address, and an alert on password spraying.

The per-account lockout (accounts.authenticate) stops guessing one password; an attacker who
tries a few passwords on each of many accounts never trips it. Failed attempts are therefore
also counted per client address, with a delay that doubles with every failure past the
allowance, and school-wide, where a burst across many logins alerts the administrators.
There is no school-wide lockout: it would let anyone lock every family out at the evening peak.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Role
from klassruk.models import ActivityLog
from klassruk.models.accounts import AccountStatus, UserAccount, UserRole
from klassruk.models.incidents import Notice
from klassruk.services.locking import lock_name, read_modify_write

# Guesses: a wrong password, an unknown login, a wrong code, any attempt at a locked account
# (a spent real code is no guess).
FAILURE_EVENTS = ("login_failed", "login_refused_locked")
SPRAY_ALERT_EVENT = "spray_alert"
SPRAY_MIN_LOGINS = 5


@dataclass(frozen=True)
class ThrottlePolicy:
    """Allowances for failed logins per client address and across the school."""

    address_failures: int = 10
    window_minutes: int = 15
    max_delay_minutes: int = 15
    school_alert_failures: int = 50


def _failures_since(
    session: Session, since: datetime, address: str | None = None
) -> tuple[int, datetime | None]:
    query = select(func.count(), func.max(ActivityLog.at)).where(
        ActivityLog.event.in_(FAILURE_EVENTS), ActivityLog.at >= since
    )
    if address is not None:
        query = query.where(ActivityLog.client_address == address)
    count, last = session.execute(query).one()
    return count, last


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parsed(address: str | None) -> IpAddress | None:
    """The address, an IPv4 one mapped into IPv6 (`::ffff:127.0.0.1`) unwrapped; None if not one."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def is_loopback(address: str | None) -> bool:
    """Whether the address is this machine's own (127.0.0.0/8, ::1, or IPv4-mapped loopback)."""
    parsed = _parsed(address)
    return parsed is not None and parsed.is_loopback


def _is_proxy(address: IpAddress | None, proxies: Sequence[str]) -> bool:
    return address is not None and any(
        address in ipaddress.ip_network(network) for network in proxies
    )


def client_address_from(
    *, peer: str | None, forwarded_for: str | None, proxies: Sequence[str]
) -> str | None:
    """The client's address: the TCP peer, unless the peer is one of our proxies.

    Then X-Forwarded-For is read from the right (each proxy appends whom it heard from) and the
    first entry that is not one of our proxies is the client; what a client wrote further left
    is never believed. A client reaching the app directly cannot choose its address.
    """
    current = _parsed(peer)
    if not _is_proxy(current, proxies):
        return str(current) if current is not None else None
    for hop in reversed((forwarded_for or "").split(",")):
        hop_address = _parsed(hop)
        if hop_address is None:
            break  # garbage in the chain: trust no further, keep the last proxy's address
        current = hop_address
        if not _is_proxy(current, proxies):
            break
    return str(current)


def address_delay(
    session: Session, *, address: str | None, policy: ThrottlePolicy, now: datetime
) -> timedelta | None:
    """How long this address must still wait before its next attempt, or None.

    The machine's own address is never held back: health checks and the operator's own
    session on the server come from it.
    """
    if not address or is_loopback(address):
        return None
    since = now - timedelta(minutes=policy.window_minutes)
    failures, last_failure = _failures_since(session, since, address)
    excess = failures - policy.address_failures
    if excess <= 0 or last_failure is None:
        return None
    # 2, 4, 8 … seconds after each failure past the allowance, capped.
    delay = min(timedelta(seconds=2**excess), timedelta(minutes=policy.max_delay_minutes))
    remaining = last_failure + delay - now
    return remaining if remaining > timedelta(0) else None


def throttled_message(remaining: timedelta) -> str:
    """The Russian refusal for an address that must wait."""
    seconds = max(1, int(remaining.total_seconds()) + 1)
    wait = f"{seconds} с" if seconds < 60 else f"{seconds // 60 + 1} мин"
    return (
        "Слишком много неудачных попыток входа с этого устройства. "
        f"Повторите через {wait}."
    )


@read_modify_write("a named transaction lock taken past the threshold; the alert re-read under it")
def alert_on_spraying(session: Session, *, policy: ThrottlePolicy, now: datetime) -> bool:
    """Notify the administrators once per window when failures across the school spike.

    Two failed logins that reach the threshold at once would each find no alert yet: past the
    threshold they take turns (an ordinary failure takes no lock), and the second finds the
    first one's alert. The account a login locks is locked FOR NO KEY UPDATE, so the notices
    to an administrator whose own login waits here never wait for it (no deadlock).
    """
    since = now - timedelta(minutes=policy.window_minutes)
    failures, _ = _failures_since(session, since)
    if failures < policy.school_alert_failures:
        return False
    lock_name(session, "throttling.spray_alert")
    logins, addresses = session.execute(
        select(
            func.count(distinct(ActivityLog.login)),
            func.count(distinct(ActivityLog.client_address)),
        ).where(ActivityLog.event.in_(FAILURE_EVENTS), ActivityLog.at >= since)
    ).one()
    already = session.scalar(
        select(ActivityLog.id).where(
            ActivityLog.event == SPRAY_ALERT_EVENT, ActivityLog.at >= since
        )
    )
    if logins < SPRAY_MIN_LOGINS or already is not None:
        return False
    text = (
        f"Похоже на подбор паролей: {failures} неудачных входов за {policy.window_minutes} мин "
        f"по {logins} логинам с {addresses} адресов. Проверьте журнал входов."
    )
    session.add(
        ActivityLog(event=SPRAY_ALERT_EVENT, login="system", detail=text[:500], at=now)
    )
    admins = session.scalars(
        select(UserAccount.id).where(
            UserAccount.role_rows.any(UserRole.role == Role.ADMIN),
            UserAccount.status != AccountStatus.BLOCKED,
        )
    )
    for admin_id in admins:
        session.add(Notice(user_id=admin_id, text=text))
    return True
