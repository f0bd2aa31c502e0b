"""Paper slips: what a printed extract shows in the ledger's terms, and its signed return."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.models.extracts import PaperExtract
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.services import calendar
from klassruk.services.acknowledgements.ledger import record_once
from klassruk.services.acknowledgements.state import (
    period_grade_candidates,
    recommendation_candidates,
)
from klassruk.services.cabinet.weeks import (
    fingerprint,
    week_contents,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.links import require_family_of_class


@dataclass(frozen=True)
class PrintedItems:
    """The single items an extract of one child printed: period grades and recommendations."""

    period_grade_ids: Collection[int] = ()
    recommendation_ids: Collection[int] = ()


def printed_weeks(date_from: date, date_to: date) -> list[date]:
    """Mondays of the school weeks whose days (Monday to Saturday) lie inside the range."""
    start = calendar.week_start(date_from)
    if start < date_from:
        start += timedelta(days=7)
    weeks = []
    while start + timedelta(days=5) <= date_to:
        weeks.append(start)
        start += timedelta(days=7)
    return weeks


def paper_snapshots(
    session: Session, *, date_from: date, date_to: date, printed: dict[int, PrintedItems]
) -> dict[int, dict[str, Any]]:
    """What each child's printed extract shows, in the ledger's terms: weeks and single items.

    Per kind one query for the whole class and range, however many weeks it spans.
    """
    weeks = printed_weeks(date_from, date_to)
    contents = week_contents(session, student_ids=list(printed), weeks=weeks)
    wanted = {
        student_id: {(AckKind.PERIOD_GRADE, i) for i in shown.period_grade_ids}
        | {(AckKind.RECOMMENDATION, i) for i in shown.recommendation_ids}
        for student_id, shown in printed.items()
    }
    # Most extracts show neither: skip the candidates' queries then.
    asked = [student_id for student_id, items in wanted.items() if items]
    grades = period_grade_candidates(session, asked) if asked else {}
    advice = recommendation_candidates(session, asked) if asked else {}
    snapshots: dict[int, dict[str, Any]] = {}
    for student_id, items in wanted.items():
        candidates = grades.get(student_id, []) + advice.get(student_id, [])
        snapshots[student_id] = {
            "weeks": {
                monday.isoformat(): {
                    "shown": contents[student_id, monday].shown,
                    "digest": contents[student_id, monday].digest,
                }
                for monday in weeks
            },
            "items": [
                {"kind": kind.value, "item_id": item_id, "shown": shown,
                 "digest": fingerprint(shown)}
                for kind, item_id, _, _, shown in candidates
                if (kind, item_id) in items
            ],
        }
    return snapshots


def record_paper_acknowledgements(
    session: Session, actor: Actor, *, extract_id: int, on: date
) -> list[Acknowledgement]:
    """A signed slip came back: «ознакомлен(а)» on paper for every week and item it covered.

    Who signed and what they saw come from the register row the server wrote when it printed
    the extract, never from the caller; the family must be the class's today. Content already
    acknowledged on paper keeps its row: a slip is never counted twice.
    """
    extract = get_or_404(session, PaperExtract, extract_id, f"Выписка № {extract_id} не найдена.")
    require_family_of_class(
        session, actor, class_id=extract.class_id, guardian_id=extract.guardian_id,
        student_id=extract.student_id, on=on, action=Action.PRINT_EXTRACTS,
    )
    snapshot: dict[str, Any] = extract.covered.get("ledger", {})
    common = {
        "guardian_id": extract.guardian_id,
        "student_id": extract.student_id,
        "channel": AckChannel.PAPER,
        "user_id": None,
        "recorded_by_user_id": actor.user_id,
        "session_id": actor.session_id,
    }
    rows = [
        Acknowledgement(kind=AckKind.WEEK, week_start=date.fromisoformat(week), item_id=None,
                        shown=seen["shown"], digest=seen["digest"], **common)
        for week, seen in snapshot.get("weeks", {}).items()
    ] + [
        Acknowledgement(kind=AckKind(item["kind"]), week_start=None, item_id=item["item_id"],
                        shown=item["shown"], digest=item["digest"], **common)
        for item in snapshot.get("items", [])
    ]
    return [record_once(session, row)[0] for row in rows]
