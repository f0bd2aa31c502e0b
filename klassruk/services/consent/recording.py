"""Recording consent from a signed form: who, which transition, and what access it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
    ConsentEntry,
    ConsentState,
    ConsentSubject,
)
from klassruk.models.school import Guardian, SchoolClass, Student
from klassruk.services.activity import record_activity
from klassruk.services.consent.scans import ScanUpload, store_scan
from klassruk.services.delivery import (
    STUDENT_OWN_CONSENT_AGE,
    Key,
    age_on,
    latest_entries,
    state_of,
    student_own_consent_required,
    student_route,
)
from klassruk.services.locking import lock_rows, read_modify_write, refuse_duplicate
from klassruk.services.lookup import get_or_404
from klassruk.services.roster.people import ClassPeople, class_people
from klassruk.services.scope.classes import require_class_scope
from klassruk.services.scope.links import shared_guardian_ids
from klassruk.text.policy import optional_reason

MAX_FORM_NUMBER = 40



# From each state, the states a new (non-correcting) entry may record.
TRANSITIONS: dict[ConsentState, frozenset[ConsentState]] = {
    ConsentState.NOT_ASKED: frozenset({ConsentState.GIVEN, ConsentState.REFUSED}),
    ConsentState.GIVEN: frozenset({ConsentState.WITHDRAWN}),
    ConsentState.REFUSED: frozenset({ConsentState.GIVEN}),
    ConsentState.WITHDRAWN: frozenset({ConsentState.GIVEN}),
}


@dataclass(frozen=True)
class ConsentFact:
    """What a class teacher records from a signed form."""

    subject: ConsentSubject
    state: ConsentState
    signed_on: date | None
    form_number: str | None
    guardian_id: int | None = None
    student_id: int | None = None
    prefers_paper: bool = False


def _check_people(
    session: Session, people: ClassPeople, fact: ConsentFact, on: date, class_name: str
) -> None:
    if fact.subject is ConsentSubject.STUDENT_SELF:
        if fact.guardian_id is not None or fact.student_id not in people.students:
            raise PermissionDenied(f"Обучающийся не из {class_name} класса: ничего не изменено.")
        if not student_own_consent_required(session):
            raise DomainError(
                "Собственное согласие обучающихся школа не собирает (настройка школы выключена)."
            )
        age = age_on(people.students[fact.student_id].birth_date, on)
        if age is None or age < STUDENT_OWN_CONSENT_AGE:
            raise DomainError(
                "Собственное согласие записывается только для обучающихся 14 лет и старше."
            )
        return
    if fact.guardian_id is None or fact.guardian_id not in people.guardians:
        raise PermissionDenied(
            f"Этот родитель не связан ни с одним обучающимся {class_name} класса: "
            "ничего не изменено."
        )
    if fact.subject is ConsentSubject.GUARDIAN_SELF:
        if fact.student_id is not None:
            raise DomainError("Согласие на свои данные не указывает ребёнка.")
        return
    if fact.student_id not in people.children[fact.guardian_id]:
        raise PermissionDenied(
            f"Ребёнок не из {class_name} класса или не связан с этим родителем: ничего не изменено."
        )


def check_form(fact: ConsentFact, on: date) -> tuple[date | None, str | None]:
    """The signing date and the cleaned form number, or a Russian refusal of the form's data."""
    number = (fact.form_number or "").strip() or None
    if fact.state is ConsentState.NOT_ASKED:
        return None, None
    if fact.signed_on is None:
        raise DomainError("Укажите дату подписи на бланке.")
    if fact.signed_on > on:
        raise DomainError("Дата подписи не может быть в будущем.")
    if number is None:
        raise DomainError("Укажите номер бланка (регистрационный номер документа).")
    if len(number) > MAX_FORM_NUMBER:
        raise DomainError(f"Номер бланка — не длиннее {MAX_FORM_NUMBER} символов.")
    if fact.prefers_paper and fact.state is not ConsentState.GIVEN:
        raise DomainError("Бумажную форму выбирают вместе с данным согласием.")
    if fact.prefers_paper and fact.subject is not ConsentSubject.CHILD:
        raise DomainError("Бумажная форма выбирается в согласии на данные ребёнка.")
    return fact.signed_on, number


def _revoke_lost_access(
    session: Session, actor: Actor, fact: ConsentFact, before: ConsentState, on: date, now: datetime
) -> None:
    # Losing consent stops electronic delivery at once: every session of the person ends.
    lost = before is ConsentState.GIVEN and (
        fact.state is not ConsentState.GIVEN or fact.prefers_paper
    )
    if not lost:
        return
    users: list[UserAccount] = []
    # Paper chosen with consent kept: the route refuses this child's screens on every request.
    # A guardian with children in classes outside the actor's keeps their cabinet for those.
    keeps_cabinet = (
        fact.state is ConsentState.GIVEN
        and fact.guardian_id is not None
        and bool(
            shared_guardian_ids(session, actor, [fact.guardian_id], Action.RECORD_CONSENT, on=on)
        )
    )
    if fact.guardian_id is not None and not keeps_cabinet:
        users += session.scalars(
            select(UserAccount).where(UserAccount.guardian_id == fact.guardian_id)
        )
    if (
        fact.student_id is not None
        and not student_route(session, student_id=fact.student_id, on=on).electronic
    ):
        users += session.scalars(
            select(UserAccount).where(UserAccount.student_id == fact.student_id)
        )
    for user in users:
        user.sessions_valid_after = now
        record_activity(
            session,
            event="sessions_revoked",
            login=user.login,
            user_id=user.id,
            detail=f"согласие на обработку данных: {CONSENT_STATE_TITLES[fact.state]}; "
            f"записал {actor.login}",
            session_id=actor.session_id,
        )


CORRECTED_MEANWHILE = (
    "Эту запись о согласии только что исправили в другом сеансе: ничего не изменено. "
    "Обновите страницу и посмотрите текущее состояние."
)


def _lock_person(session: Session, fact: ConsentFact) -> None:
    """Entries about one person follow each other: a second recorder waits, then sees the first."""
    if fact.guardian_id is not None:
        lock_rows(session, Guardian, [fact.guardian_id])
    else:
        lock_rows(session, Student, [fact.student_id] if fact.student_id is not None else [])


def _check_transition(
    current: ConsentEntry | None, fact: ConsentFact, corrects_id: int | None, reason: str | None
) -> str | None:
    """The cleaned reason, if the new entry may follow `current`; else a Russian refusal."""
    reason = optional_reason(reason)  # a reason of invisible characters is none
    if corrects_id is not None:
        if current is None or current.id != corrects_id:
            raise DomainError(
                "Исправить можно только последнюю запись о согласии этого человека: "
                "список изменился, обновите страницу."
            )
        if reason is None:
            raise DomainError("Укажите причину исправления ошибочной записи.")
        return reason
    before = state_of(current)
    # A family on electronic delivery may ask for paper by a statement; consent stays given.
    to_paper = (
        before is ConsentState.GIVEN
        and fact.state is ConsentState.GIVEN
        and fact.prefers_paper
        and current is not None
        and not current.prefers_paper
    )
    if fact.state not in TRANSITIONS[before] and not to_paper:
        allowed = ", ".join(f"«{CONSENT_STATE_TITLES[s]}»" for s in sorted(TRANSITIONS[before]))
        raise DomainError(
            f"Сейчас согласие в состоянии «{CONSENT_STATE_TITLES[before]}»: "
            f"записать «{CONSENT_STATE_TITLES[fact.state]}» нельзя (можно: {allowed}). "
            "Если прежняя запись ошибочна, исправьте её с указанием причины."
        )
    if fact.state is ConsentState.WITHDRAWN and reason is None:
        raise DomainError(
            "Укажите причину отзыва согласия (например, «заявление родителя от 01.12.2026»): "
            "она хранится в истории записей."
        )
    return reason


@read_modify_write(
    "the person's row locked before the current entry is read; unique uq_consent_entry_corrects"
)
def record_consent(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    fact: ConsentFact,
    scan: ScanUpload | None = None,
    corrects_id: int | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> ConsentEntry:
    """Append an entry from a signed form; a correction names the mistaken entry and a reason."""
    require_class_scope(session, actor, class_id, Action.RECORD_CONSENT)
    now = now or utcnow()
    class_name = get_or_404(session, SchoolClass, class_id, "Класс не найден.").name
    people = class_people(session, class_id, on)
    _check_people(session, people, fact, on, class_name)
    key: Key = (fact.subject, fact.guardian_id, fact.student_id)
    _lock_person(session, fact)
    current = latest_entries(
        session,
        guardian_ids=[fact.guardian_id] if fact.guardian_id is not None else [],
        student_ids=[fact.student_id] if fact.student_id is not None else [],
    ).get(key)
    before = state_of(current)
    reason = _check_transition(current, fact, corrects_id, reason)
    signed_on, number = check_form(fact, on)
    stored = store_scan(session, actor, scan) if scan is not None else None
    entry = ConsentEntry(
        subject=fact.subject,
        guardian_id=fact.guardian_id,
        student_id=fact.student_id,
        state=fact.state,
        signed_on=signed_on,
        form_number=number,
        scan_id=stored.id if stored is not None else None,
        prefers_paper=fact.prefers_paper,
        corrects_id=corrects_id,
        reason=reason,
        recorded_at=now,
        recorded_by_user_id=actor.user_id,
        recorded_by=actor.login[:80],
    )
    with refuse_duplicate(session, CORRECTED_MEANWHILE):
        session.add(entry)
    _revoke_lost_access(session, actor, fact, before, on, now)
    session.flush()
    return entry
