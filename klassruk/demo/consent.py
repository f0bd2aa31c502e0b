"""Demo consents and paper extracts: the school consents, the demo class shows every state."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN, GUARDIAN_LOGIN, demo_moment, demo_year
from klassruk.demo.credentials import class_of_featured_teacher
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.extracts import ExtractFrequency
from klassruk.models.school import GuardianLink
from klassruk.services import calendar
from klassruk.services.accounts.sessions import actor_for
from klassruk.services.extracts.printing import Family, print_extracts
from klassruk.services.extracts.register import mark_handed, mark_returned
from klassruk.services.extracts.schedule import set_schedule
from klassruk.services.roster.people import class_people

# Forms were collected at the first parents' meeting, on the year's fourth day.
MEETING_AFTER_START = timedelta(days=3)


def _entry(subject: ConsentSubject, state: ConsentState, guardian_id: int | None,
           student_id: int | None, number: int, recorder: UserAccount, *, signed_on: date,
           **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject, "state": state, "guardian_id": guardian_id,
        "student_id": student_id, "signed_on": signed_on, "form_number": f"ПД-{number:04d}",
        "scan_id": None, "prefers_paper": extra.pop("prefers_paper", False),
        "corrects_id": None, "reason": extra.pop("reason", None),
        "recorded_at": demo_moment(signed_on, 15),
        "recorded_by_user_id": recorder.id, "recorded_by": recorder.login,
    }


def seed_demo_consent(session: Session, today: date) -> None:
    """Every family consents, except five of the demo class, one per state and a correction."""
    recorder = session.scalar(
        select(UserAccount).where(UserAccount.login == CLASS_TEACHER_LOGIN)
    )
    assert recorder is not None
    school_class = class_of_featured_teacher(session)
    people = class_people(session, school_class.id, today)
    kept = session.scalar(
        select(UserAccount.guardian_id).where(UserAccount.login == GUARDIAN_LOGIN)
    )
    special = [g for g in people.guardians if g != kept][:5]
    refused, paper, withdrawn, not_asked, corrected = special + [0] * (5 - len(special))
    signed = min(demo_year(today).starts_on + MEETING_AFTER_START, today)
    withdrawn_on = max(signed, today - timedelta(days=10))
    links = session.execute(
        select(GuardianLink.guardian_id, GuardianLink.student_id).order_by(GuardianLink.id)
    ).all()
    rows: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    seen: set[int] = set()
    for guardian_id, student_id in links:
        if guardian_id == not_asked:
            continue
        number = len(rows) + 1
        if guardian_id not in seen:
            seen.add(guardian_id)
            rows.append(_entry(ConsentSubject.GUARDIAN_SELF, ConsentState.GIVEN, guardian_id,
                               None, number, recorder, signed_on=signed))
        state = ConsentState.REFUSED if guardian_id in (refused, corrected) else (
            ConsentState.GIVEN
        )
        rows.append(_entry(ConsentSubject.CHILD, state, guardian_id, student_id, number + 1,
                           recorder, signed_on=signed, prefers_paper=guardian_id == paper))
        if guardian_id == withdrawn:
            later.append(_entry(ConsentSubject.CHILD, ConsentState.WITHDRAWN, guardian_id,
                                student_id, number + 2, recorder, signed_on=withdrawn_on,
                                reason="заявление об отзыве согласия"))
        if guardian_id == corrected:
            later.append(_entry(ConsentSubject.CHILD, ConsentState.GIVEN, guardian_id,
                                student_id, number + 1, recorder, signed_on=signed,
                                reason="в реестр по ошибке внесён отказ: на бланке отмечено "
                                "«согласен»"))
    if rows:
        session.execute(insert(ConsentEntry), rows)
    for row in later:
        if row["reason"] and row["state"] is ConsentState.GIVEN:
            row["corrects_id"] = session.scalar(
                select(ConsentEntry.id).where(
                    ConsentEntry.guardian_id == row["guardian_id"],
                    ConsentEntry.student_id == row["student_id"],
                )
            )
    if later:
        session.execute(insert(ConsentEntry), later)
    _seed_extracts(session, recorder, school_class.id, today,
                   [Family(refused, people.children[refused][0]),
                    Family(paper, people.children[paper][0])] if len(special) == 5 else [])


def _seed_extracts(session: Session, recorder: UserAccount, class_id: int, today: date,
                   families: list[Family]) -> None:
    """A weekly schedule from the year's first week; last Monday's print of the week before it
    for two families, one slip returned (not in the year's first two weeks: no such week yet)."""
    actor = actor_for(recorder)
    first_week = calendar.week_start(demo_year(today).starts_on)
    set_schedule(session, actor, class_id=class_id, frequency=ExtractFrequency.WEEKLY,
                 starts_on=first_week)
    printed_on = calendar.week_start(today) - timedelta(days=7)
    if not families or printed_on - timedelta(days=7) < first_week:
        return
    returned, handed = print_extracts(
        session, actor, class_id=class_id, on=printed_on, date_from=printed_on - timedelta(days=7),
        date_to=printed_on - timedelta(days=1), families=families,
        now=datetime.combine(printed_on, time(9), UTC),
    )
    mark_handed(session, actor, extract_id=returned.number, handed_on=printed_on, on=today)
    mark_returned(session, actor, extract_id=returned.number,
                  returned_on=printed_on + timedelta(days=2), on=today)
    mark_handed(session, actor, extract_id=handed.number,
                handed_on=printed_on + timedelta(days=1), on=today)
