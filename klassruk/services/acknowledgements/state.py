"""What a family has acknowledged: each week's and each single item's state."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.journal import PeriodGrade
from klassruk.models.school import Guardian, ReportingPeriod, Subject
from klassruk.services import calendar
from klassruk.services.cabinet.lessons import student_tests
from klassruk.services.cabinet.record import recommendations_query
from klassruk.services.cabinet.weeks import (
    WeekContent,
    fingerprint,
    week_content,
)
from klassruk.services.scope.students import require_family_scope
from klassruk.text.formatting import format_date


def _count_new(current: dict[str, list[Any]], earlier: dict[str, Any]) -> int:
    """How many items of a week appeared or changed since an earlier view of it."""

    def keys(items: list[Any]) -> set[str]:
        return {json.dumps(item, default=str) for item in items}

    return sum(len(keys(items) - keys(earlier.get(key, []))) for key, items in current.items())


@dataclass(frozen=True)
class AckState:
    """The latest acknowledgement of a week or item, and whether something came after it."""

    acknowledged_at: datetime | None = None
    guardian: str | None = None
    channel: AckChannel | None = None
    new_items: int = 0
    changed_since: bool = False

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


def _signed(
    guardian_id: int | None, student_id: int, *where: Any
) -> Select[Acknowledgement, Guardian]:
    query = (
        select(Acknowledgement, Guardian)
        .join(Guardian, Guardian.id == Acknowledgement.guardian_id)
        .where(Acknowledgement.student_id == student_id, *where)
        .order_by(Acknowledgement.acknowledged_at.desc(), Acknowledgement.id.desc())
    )
    if guardian_id is not None:
        # A guardian sees their own signature; the student sees whoever of the family signed.
        query = query.where(Acknowledgement.guardian_id == guardian_id)
    return query


def latest_signature(
    session: Session, guardian_id: int | None, student_id: int, kind: AckKind, **key: Any
) -> tuple[Acknowledgement, str] | None:
    """The newest signature (and signer) of a week or item: the guardian's own, or any."""
    query = _signed(guardian_id, student_id, Acknowledgement.kind == kind).filter_by(**key)
    row = session.execute(query.limit(1)).first()
    return None if row is None else (row[0], row[1].full_name)


def latest_per_item(
    session: Session, guardian_id: int | None, student_id: int
) -> dict[tuple[AckKind, int | None], tuple[Acknowledgement, str]]:
    """The newest signature of every single item, in one query (newest rows come first)."""
    latest: dict[tuple[AckKind, int | None], tuple[Acknowledgement, str]] = {}
    for ack, guardian in session.execute(
        _signed(guardian_id, student_id, Acknowledgement.kind != AckKind.WEEK)
    ):
        latest.setdefault((ack.kind, ack.item_id), (ack, guardian.full_name))
    return latest


def ack_state(
    latest: tuple[Acknowledgement, str] | None, digest: str, week: dict[str, list[Any]] | None
) -> AckState:
    """The state a signature gives content with this digest (and, for a week, these items)."""
    if latest is None:
        return AckState()
    ack, guardian = latest
    return AckState(
        acknowledged_at=ack.acknowledged_at,
        guardian=guardian,
        channel=ack.channel,
        new_items=_count_new(week, ack.shown) if week is not None else 0,
        changed_since=ack.digest != digest,
    )


@dataclass(frozen=True)
class WeekStatus:
    """A school week of a child: its content fingerprint and the acknowledgement state."""

    week_start: date
    content: WeekContent
    state: AckState


def week_status(
    session: Session, actor: Actor, *, student_id: int, week_start: date, on: date
) -> WeekStatus:
    """Whether the week was acknowledged, and whether something appeared after that."""
    require_family_scope(session, actor, student_id, on=on)
    start = calendar.week_start(week_start)
    content = week_content(session, student_id=student_id, week_start=start)
    latest = latest_signature(
        session, actor.guardian_id, student_id, AckKind.WEEK, week_start=start
    )
    return WeekStatus(start, content, ack_state(latest, content.digest, content.shown))


# Section titles followed by a count («Итоговые оценки: 16»), hence plural.
ITEM_TITLES: dict[AckKind, str] = {
    AckKind.PERIOD_GRADE: "Итоговые оценки",
    AckKind.RECOMMENDATION: "Рекомендации учителей",
    AckKind.TEST_SCHEDULE: "График контрольных работ",
}


@dataclass(frozen=True)
class AckItem:
    """Something that needs its own acknowledgement, with its state."""

    kind: AckKind
    item_id: int
    title: str
    detail: str
    shown: dict[str, Any]
    digest: str
    state: AckState


Candidate = tuple[AckKind, int, str, str, dict[str, Any]]


def period_grade_candidates(
    session: Session, student_ids: Collection[int]
) -> dict[int, list[Candidate]]:
    """The students' period grades of the current year, newest period first."""
    year = calendar.current_year(session)
    found: dict[int, list[Candidate]] = defaultdict(list)
    for student_id, grade_id, value, subject_id, subject, period_id, period_name in session.execute(
        select(
            PeriodGrade.student_id,
            PeriodGrade.id,
            PeriodGrade.value,
            PeriodGrade.subject_id,
            Subject.name,
            ReportingPeriod.id,
            ReportingPeriod.name,
        )
        .join(Subject, Subject.id == PeriodGrade.subject_id)
        .join(ReportingPeriod, ReportingPeriod.id == PeriodGrade.period_id)
        .where(
            PeriodGrade.student_id.in_(list(student_ids)),
            ReportingPeriod.school_year_id == year.id,
        )
        .order_by(ReportingPeriod.starts_on.desc(), Subject.name)
    ):
        grade: dict[str, Any] = {"period": period_id, "subject": subject_id, "value": value}
        title = f"{period_name}: {subject}"
        found[student_id].append((AckKind.PERIOD_GRADE, grade_id, title, str(value), grade))
    return found


def recommendation_candidates(
    session: Session, student_ids: Collection[int]
) -> dict[int, list[Candidate]]:
    """The students' recommendations, newest first."""
    found: dict[int, list[Candidate]] = defaultdict(list)
    for rec in session.execute(recommendations_query(student_ids)):
        title = f"{rec.subject}, {format_date(rec.created_at.date())}"
        found[rec.student_id].append(
            (AckKind.RECOMMENDATION, rec.id, title, rec.text, {"text": rec.text})
        )
    return found


def candidate_items(session: Session, student_id: int, on: date) -> list[Candidate]:
    """What a child's family acknowledges one by one: period grades, advice, the test schedule."""
    found = (
        period_grade_candidates(session, [student_id])[student_id]
        + recommendation_candidates(session, [student_id])[student_id]
    )
    period = calendar.period_for_today(session, on)
    if period is not None:
        tests = student_tests(session, student_id, period.starts_on, period.ends_on)
        if tests:
            # A move or a cancellation changes what was signed: the family sees «есть новое».
            schedule = {"tests": [
                [t.test_id, t.planned_on.isoformat(), t.title, *([t.change] if t.change else [])]
                for t in tests
            ]}
            detail = f"контрольных работ: {len(tests)}"
            found.append((AckKind.TEST_SCHEDULE, period.period_id, period.name, detail, schedule))
    return found


def items_to_acknowledge(
    session: Session, actor: Actor, *, student_id: int, on: date
) -> list[AckItem]:
    """Period grades, recommendations and the period's test schedule, each with its state."""
    require_family_scope(session, actor, student_id, on=on)
    items = []
    signed = latest_per_item(session, actor.guardian_id, student_id)
    for kind, item_id, title, detail, shown in candidate_items(session, student_id, on):
        digest = fingerprint(shown)
        state = ack_state(signed.get((kind, item_id)), digest, None)
        items.append(AckItem(kind, item_id, title, detail, shown, digest, state))
    return items
