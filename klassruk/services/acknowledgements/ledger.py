"""The ledger's web writes: «Ознакомлен(а)» for a week, a single item, or all at once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.families import AckChannel, AckKind, Acknowledgement, FamilyEvent
from klassruk.services import calendar
from klassruk.services.acknowledgements.state import (
    candidate_items,
    latest_per_item,
    latest_signature,
)
from klassruk.services.activity import record_family_event
from klassruk.services.cabinet.weeks import (
    fingerprint,
    week_content,
)
from klassruk.services.locking import insert_unique, read_modify_write
from klassruk.services.scope.students import require_family_scope

CHANGED_MEANWHILE = (
    "Пока страница была открыта, появились новые сведения: посмотрите их и подтвердите ещё раз."
)


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
    for candidate in candidate_items(session, student_id, on):
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
        latest = latest_signature(
            session, actor.guardian_id, student_id, AckKind.WEEK,
            week_start=calendar.week_start(week_start),
        )
        ack = acknowledge_week(
            session, actor, student_id=student_id, week_start=week_start, digest=week_digest,
            on=on,
        )
        written += latest is None or ack is not latest[0]
    signed = latest_per_item(session, actor.guardian_id, student_id)
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
