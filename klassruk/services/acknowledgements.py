"""The acknowledgement ledger: a guardian's «Ознакомлен(а)» for a school week or for one item."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from klassruk.errors import DomainError, PermissionDenied
from klassruk.formatting import format_date
from klassruk.models import (
    AckChannel,
    AckKind,
    Acknowledgement,
    FamilyEvent,
    Guardian,
    ReportingPeriod,
    Subject,
)
from klassruk.models.extracts import PaperExtract
from klassruk.models.journal import PeriodGrade
from klassruk.permissions import Action, Actor, require
from klassruk.services import calendar
from klassruk.services.activity import record_family_event
from klassruk.services.cabinet.lessons import student_tests
from klassruk.services.cabinet.record import recommendations_query
from klassruk.services.cabinet.weeks import (
    WeekContent,
    fingerprint,
    week_content,
    week_contents,
)
from klassruk.services.locking import insert_unique, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.links import require_family_of_class
from klassruk.services.scope.students import require_family_scope

CHANGED_MEANWHILE = (
    "Пока страница была открыта, появились новые сведения: посмотрите их и подтвердите ещё раз."
)


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


def _signed(actor: Actor, student_id: int, *where: Any) -> Select[Acknowledgement, Guardian]:
    query = (
        select(Acknowledgement, Guardian)
        .join(Guardian, Guardian.id == Acknowledgement.guardian_id)
        .where(Acknowledgement.student_id == student_id, *where)
        .order_by(Acknowledgement.acknowledged_at.desc(), Acknowledgement.id.desc())
    )
    if actor.guardian_id is not None:
        # A guardian sees their own signature; the student sees whoever of the family signed.
        query = query.where(Acknowledgement.guardian_id == actor.guardian_id)
    return query


def _latest(
    session: Session, actor: Actor, student_id: int, kind: AckKind, **key: Any
) -> tuple[Acknowledgement, str] | None:
    query = _signed(actor, student_id, Acknowledgement.kind == kind).filter_by(**key)
    row = session.execute(query.limit(1)).first()
    return None if row is None else (row[0], row[1].full_name)


def _latest_per_item(
    session: Session, actor: Actor, student_id: int
) -> dict[tuple[AckKind, int | None], tuple[Acknowledgement, str]]:
    """The newest signature of every single item, in one query (newest rows come first)."""
    latest: dict[tuple[AckKind, int | None], tuple[Acknowledgement, str]] = {}
    for ack, guardian in session.execute(
        _signed(actor, student_id, Acknowledgement.kind != AckKind.WEEK)
    ):
        latest.setdefault((ack.kind, ack.item_id), (ack, guardian.full_name))
    return latest


def _state(
    latest: tuple[Acknowledgement, str] | None, digest: str, week: dict[str, list[Any]] | None
) -> AckState:
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
    latest = _latest(session, actor, student_id, AckKind.WEEK, week_start=start)
    return WeekStatus(start, content, _state(latest, content.digest, content.shown))


def _require_guardian(session: Session, actor: Actor, student_id: int, on: date) -> int:
    require(actor, Action.ACKNOWLEDGE)
    require_family_scope(session, actor, student_id, on=on)
    if actor.guardian_id is None:
        raise PermissionDenied(
            "Подтверждает ознакомление только родитель (законный представитель)."
        )
    return actor.guardian_id


def _twin(session: Session, ack: Acknowledgement) -> Acknowledgement | None:
    """The ledger's row for the same guardian, child, week or item, content and channel."""
    key = Acknowledgement.week_start if ack.kind is AckKind.WEEK else Acknowledgement.item_id
    value = ack.week_start if ack.kind is AckKind.WEEK else ack.item_id
    return session.scalar(
        select(Acknowledgement)
        .where(
            Acknowledgement.guardian_id == ack.guardian_id,
            Acknowledgement.student_id == ack.student_id,
            Acknowledgement.kind == ack.kind,
            key == value,
            Acknowledgement.digest == ack.digest,
            Acknowledgement.channel == ack.channel,
        )
        .order_by(Acknowledgement.id)
        .limit(1)
    )


def record_once(session: Session, ack: Acknowledgement) -> tuple[Acknowledgement, bool]:
    """The row, or its twin when this content was already acknowledged (even a moment ago)."""
    return insert_unique(session, ack, existing=lambda: _twin(session, ack))


def _record(
    session: Session,
    actor: Actor,
    guardian_id: int,
    student_id: int,
    kind: AckKind,
    on: date,
    shown: dict[str, Any],
    digest: str,
    *,
    week_start: date | None = None,
    item_id: int | None = None,
) -> Acknowledgement:
    ack, new = record_once(
        session,
        Acknowledgement(
            guardian_id=guardian_id,
            student_id=student_id,
            kind=kind,
            week_start=week_start,
            item_id=item_id,
            shown=shown,
            digest=digest,
            channel=AckChannel.WEB,
            user_id=actor.user_id,
            session_id=actor.session_id,
        ),
    )
    if new:
        record_family_event(
            session,
            actor,
            event=FamilyEvent.ACKNOWLEDGE,
            on=on,
            student_id=student_id,
            section=kind.value,
        )
    return ack


@read_modify_write("unique index uq_acknowledgement_week; a repeat returns the row")
def acknowledge_week(
    session: Session, actor: Actor, *, student_id: int, week_start: date, digest: str, on: date
) -> Acknowledgement:
    """Record «Ознакомлен(а)» for the week exactly as shown (`digest` of what the page showed)."""
    guardian_id = _require_guardian(session, actor, student_id, on)
    start = calendar.week_start(week_start)
    if start > on:
        raise DomainError("Неделя ещё не началась: подтверждать пока нечего.")
    content = week_content(session, student_id=student_id, week_start=start)
    if content.digest != digest:
        raise DomainError(CHANGED_MEANWHILE)
    return _record(
        session,
        actor,
        guardian_id,
        student_id,
        AckKind.WEEK,
        on,
        content.shown,
        content.digest,
        week_start=start,
    )


ITEM_TITLES: dict[AckKind, str] = {
    AckKind.PERIOD_GRADE: "Итоговая оценка",
    AckKind.RECOMMENDATION: "Рекомендация учителя",
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


def _period_grade_candidates(
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


def _recommendation_candidates(
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


def _candidates(session: Session, student_id: int, on: date) -> list[Candidate]:
    found = (
        _period_grade_candidates(session, [student_id])[student_id]
        + _recommendation_candidates(session, [student_id])[student_id]
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
    signed = _latest_per_item(session, actor, student_id)
    for kind, item_id, title, detail, shown in _candidates(session, student_id, on):
        digest = fingerprint(shown)
        state = _state(signed.get((kind, item_id)), digest, None)
        items.append(AckItem(kind, item_id, title, detail, shown, digest, state))
    return items


@read_modify_write("unique index uq_acknowledgement_item; a repeat returns the row")
def acknowledge_item(
    session: Session,
    actor: Actor,
    *,
    student_id: int,
    kind: AckKind,
    item_id: int,
    digest: str,
    on: date,
) -> Acknowledgement:
    """Record «Ознакомлен(а)» for one period grade, recommendation or test schedule as shown."""
    guardian_id = _require_guardian(session, actor, student_id, on)
    if kind is AckKind.WEEK:
        raise DomainError("Неделю подтверждают целиком, а не как отдельную запись.")
    for candidate in _candidates(session, student_id, on):
        if candidate[0] is kind and candidate[1] == item_id:
            shown = candidate[4]
            break
    else:
        raise DomainError("Такой записи у обучающегося нет.")
    if fingerprint(shown) != digest:
        raise DomainError(CHANGED_MEANWHILE)
    return _record(
        session, actor, guardian_id, student_id, kind, on, shown, digest, item_id=item_id
    )


def acknowledge_all(
    session: Session,
    actor: Actor,
    *,
    student_id: int,
    week_start: date,
    week_digest: str,
    items: Collection[tuple[AckKind, int, str]],
    on: date,
) -> int:
    """«Ознакомлен(а) со всем»: the week and each shown item (kind, id, digest), a row each.

    All or nothing: if any of them changed since the page showed it, nothing is recorded.
    Returns how many rows were written (what was signed already as shown is not signed again).
    """
    _require_guardian(session, actor, student_id, on)
    written = 0
    if calendar.week_start(week_start) <= on:
        latest = _latest(
            session, actor, student_id, AckKind.WEEK, week_start=calendar.week_start(week_start)
        )
        ack = acknowledge_week(
            session, actor, student_id=student_id, week_start=week_start, digest=week_digest,
            on=on,
        )
        written += latest is None or ack is not latest[0]
    signed = _latest_per_item(session, actor, student_id)
    for kind, item_id, digest in items:
        done = signed.get((kind, item_id))
        if done is not None and done[0].digest == digest:
            continue
        acknowledge_item(
            session, actor, student_id=student_id, kind=kind, item_id=item_id, digest=digest,
            on=on,
        )
        written += 1
    return written


# ---------------------------------------------------------------- paper slips


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
    grades = _period_grade_candidates(session, asked) if asked else {}
    advice = _recommendation_candidates(session, asked) if asked else {}
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
