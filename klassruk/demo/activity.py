"""The demo families' history: logins, cabinet screens and weekly acknowledgements.

Deterministic (the demo seed): most families with an active account log in most weeks and
confirm the week; some rarely; some never did (the activity report flags them). The featured
guardian keeps the weeks `seed_demo_family` wrote. Weeks signed here carry an empty snapshot:
the report counts them; their content is not what the tests of the cabinet look at.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.families import (
    AckChannel,
    AckKind,
    Acknowledgement,
    FamilyActivity,
    FamilyEvent,
)
from klassruk.models.school import Enrolment, GuardianLink, SchoolYear
from klassruk.services.cabinet.weeks import fingerprint
from klassruk.services.calendar import week_start

SECTIONS = ("home", "grades", "homework", "timetable", "tests", "absences", "recs", "acks")
# Share of weeks a family opens the cabinet: keen, usual, rare, and never (no login at all).
ENGAGEMENT = ((0.95, 0.35), (0.7, 0.35), (0.25, 0.15), (0.0, 0.15))


def _engagement(rng: random.Random) -> float:
    roll, total = rng.random(), 0.0
    for share, weight in ENGAGEMENT:
        total += weight
        if roll < total:
            return share
    return 0.0


def seed_demo_activity(session: Session, *, today: date, seed: int, skip_login: str) -> None:
    """Logins, screens and acknowledgements of the demo families from the year's start."""
    rng = random.Random(seed + 26)
    starts = session.scalar(select(SchoolYear.starts_on).where(SchoolYear.is_current))
    if starts is None:
        return
    weeks = []
    monday = week_start(starts)
    while monday <= week_start(today):
        weeks.append(monday)
        monday += timedelta(days=7)
    families = session.execute(
        select(UserAccount.id, UserAccount.guardian_id, GuardianLink.student_id,
               Enrolment.class_id)
        .join(GuardianLink, GuardianLink.guardian_id == UserAccount.guardian_id)
        .join(Enrolment, Enrolment.student_id == GuardianLink.student_id)
        .where(UserAccount.status == AccountStatus.ACTIVE, UserAccount.login != skip_login,
               Enrolment.ends_on.is_(None))
        .order_by(UserAccount.id, GuardianLink.student_id)
    ).all()
    events: list[dict[str, Any]] = []
    signed: list[dict[str, Any]] = []
    last_login: dict[int, datetime] = {}
    share: dict[int, float] = {}
    empty = fingerprint({})
    for user_id, guardian_id, student_id, class_id in families:
        keen = share.setdefault(user_id, _engagement(rng))
        for monday in weeks:
            if rng.random() >= keen:
                continue
            # Never today: the seeding moment may be before the evening hours drawn here.
            day = min(monday + timedelta(days=rng.randrange(7)), today - timedelta(days=1))
            if day < monday:
                continue
            at = datetime.combine(day, time(16 + rng.randrange(5), rng.randrange(60)), UTC)
            row = {"at": at, "week_start": monday, "user_id": user_id, "student_id": student_id,
                   "class_id": class_id}
            events.append({**row, "event": FamilyEvent.LOGIN, "section": None})
            for section in rng.sample(SECTIONS, rng.randrange(1, 5)):
                events.append({**row, "event": FamilyEvent.SCREEN, "section": section})
            last_login[user_id] = max(at, last_login.get(user_id, at))
            if monday < week_start(today) and rng.random() < 0.85:
                signed.append({
                    "guardian_id": guardian_id, "student_id": student_id, "kind": AckKind.WEEK,
                    "week_start": monday, "shown": {}, "digest": empty,
                    "channel": AckChannel.WEB, "acknowledged_at": at, "user_id": user_id,
                })
    if events:
        session.execute(insert(FamilyActivity), events)
    if signed:
        session.execute(insert(Acknowledgement), signed)
    for user_id, at in last_login.items():
        session.get_one(UserAccount, user_id).last_login_at = at
    session.flush()
