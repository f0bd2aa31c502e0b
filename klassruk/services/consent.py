"""Consent register (152-ФЗ): append-only entries per person, the class view, the paper list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import Guardian, SchoolClass, Student, UserAccount
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
    ConsentEntry,
    ConsentScan,
    ConsentState,
    ConsentSubject,
)
from klassruk.permissions import Action, Actor, require
from klassruk.services.activity import record_activity
from klassruk.services.delivery import (
    STUDENT_OWN_CONSENT_AGE,
    STUDENT_OWN_CONSENT_KEY,
    Key,
    age_on,
    decide_for,
    guardian_accounts,
    latest_entries,
    state_of,
    student_own_consent_required,
    student_route,
)
from klassruk.services.locking import lock_rows, read_modify_write, refuse_duplicate
from klassruk.services.lookup import get_or_404
from klassruk.services.scans import check_scan_structure
from klassruk.services.school_settings import set_setting
from klassruk.services.scope import (
    OUT_OF_SCOPE,
    ClassPeople,
    class_people,
    reaches_consent_entry,
    require_class_scope,
)
from klassruk.text_policy import clean_line, clean_text

MAX_SCAN_BYTES = 5 * 1024 * 1024
MAX_FORM_NUMBER = 40
MAX_REASON = 500
# The file's first bytes decide its type: a browser's claim or a file name proves nothing.
SCAN_SIGNATURES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "PDF"),
    "image/jpeg": (b"\xff\xd8\xff", "JPEG"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "PNG"),
}

# From each state, the states a new (non-correcting) entry may record.
TRANSITIONS: dict[ConsentState, frozenset[ConsentState]] = {
    ConsentState.NOT_ASKED: frozenset({ConsentState.GIVEN, ConsentState.REFUSED}),
    ConsentState.GIVEN: frozenset({ConsentState.WITHDRAWN}),
    ConsentState.REFUSED: frozenset({ConsentState.GIVEN}),
    ConsentState.WITHDRAWN: frozenset({ConsentState.GIVEN}),
}

# ---------------------------------------------------------------- school setting


def set_student_own_consent_required(session: Session, actor: Actor, *, required: bool) -> None:
    """Turn the students' own consent (14 and older) on or off for the school."""
    require(actor, Action.MANAGE_SCHOOL_STRUCTURE)
    set_setting(session, STUDENT_OWN_CONSENT_KEY, "1" if required else "0")
    session.flush()


# ---------------------------------------------------------------- recording


@dataclass(frozen=True)
class ScanUpload:
    """A scanned signed form as uploaded."""

    file_name: str
    content: bytes


def check_scan(upload: ScanUpload) -> str:
    """The media type of an acceptable scan, or DomainError saying what is wrong."""
    if not upload.content:
        raise DomainError("Файл скана пустой.")
    if len(upload.content) > MAX_SCAN_BYTES:
        raise DomainError(
            f"Скан больше {MAX_SCAN_BYTES // (1024 * 1024)} МБ: уменьшите разрешение или качество."
        )
    for media_type, (signature, _) in SCAN_SIGNATURES.items():
        if upload.content.startswith(signature):
            check_scan_structure(upload.content, media_type)
            return media_type
    kinds = ", ".join(name for _, name in SCAN_SIGNATURES.values())
    raise DomainError(f"Скан должен быть файлом {kinds}; этот файл — не такой.")


def _store_scan(session: Session, actor: Actor, upload: ScanUpload) -> ConsentScan:
    media_type = check_scan(upload)
    scan = ConsentScan(
        file_name=clean_line(upload.file_name)[:200] or "скан",
        media_type=media_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        content=upload.content,
        uploaded_by=actor.login[:80],
    )
    session.add(scan)
    session.flush()
    return scan


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


def _check_form(fact: ConsentFact, on: date) -> tuple[date | None, str | None]:
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
    if fact.guardian_id is not None:
        users += session.scalars(
            select(UserAccount).where(UserAccount.guardian_id == fact.guardian_id)
        )
    if fact.student_id is not None and not student_route(
        session, student_id=fact.student_id, on=on
    ).electronic:
        users += session.scalars(
            select(UserAccount).where(UserAccount.student_id == fact.student_id)
        )
    for user in users:
        user.sessions_valid_after = now
        record_activity(
            session, event="sessions_revoked", login=user.login, user_id=user.id,
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
    reason = clean_text(reason or "") or None  # a reason of invisible characters is none
    if reason is not None and len(reason) > MAX_REASON:
        raise DomainError(f"Причина — не длиннее {MAX_REASON} символов.")
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
    if fact.state not in TRANSITIONS[before]:
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
    signed_on, number = _check_form(fact, on)
    stored = _store_scan(session, actor, scan) if scan is not None else None
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


# ---------------------------------------------------------------- the class register


@dataclass(frozen=True)
class ConsentRow:
    """One person-and-subject line of the class register, with its current entry."""

    subject: ConsentSubject
    guardian_id: int | None
    student_id: int | None
    person: str
    child: str
    state: ConsentState
    entry_id: int | None
    signed_on: date | None
    form_number: str | None
    has_scan: bool
    prefers_paper: bool
    recorded_at: datetime | None
    recorded_by: str | None


@dataclass(frozen=True)
class PaperFamily:
    """A guardian and a child of the class whose information goes on paper, and why."""

    guardian_id: int
    guardian: str
    student_id: int
    student: str
    reason: str


@dataclass(frozen=True)
class ClassConsent:
    """The class's register: rows, counts per state, and the paper list."""

    class_id: int
    class_name: str
    rows: list[ConsentRow]
    counts: dict[ConsentState, int]
    paper: list[PaperFamily]
    electronic: int


def _row(
    subject: ConsentSubject,
    guardian_id: int | None,
    student_id: int | None,
    person: str,
    child: str,
    entry: ConsentEntry | None,
) -> ConsentRow:
    return ConsentRow(
        subject=subject,
        guardian_id=guardian_id,
        student_id=student_id,
        person=person,
        child=child,
        state=state_of(entry),
        entry_id=entry.id if entry else None,
        signed_on=entry.signed_on if entry else None,
        form_number=entry.form_number if entry else None,
        has_scan=bool(entry and entry.scan_id),
        prefers_paper=bool(entry and entry.prefers_paper),
        recorded_at=entry.recorded_at if entry else None,
        recorded_by=entry.recorded_by if entry else None,
    )


def class_consent(session: Session, actor: Actor, *, class_id: int, on: date) -> ClassConsent:
    """Every guardian (own data, each child) and, if asked, each student 14+ of the class."""
    require_class_scope(session, actor, class_id, Action.VIEW_CONSENT)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    people = class_people(session, class_id, on)
    latest = latest_entries(session, guardian_ids=people.guardians, student_ids=people.students)
    accounts = guardian_accounts(session, list(people.guardians))
    rows: list[ConsentRow] = []
    paper: list[PaperFamily] = []
    electronic = 0
    for guardian_id, guardian in people.guardians.items():
        own = latest.get((ConsentSubject.GUARDIAN_SELF, guardian_id, None))
        rows.append(_row(ConsentSubject.GUARDIAN_SELF, guardian_id, None, guardian.full_name,
                         "", own))
        account = accounts.get(guardian_id)
        for student_id in people.children[guardian_id]:
            student = people.students[student_id]
            child = latest.get((ConsentSubject.CHILD, guardian_id, student_id))
            rows.append(_row(ConsentSubject.CHILD, guardian_id, student_id, guardian.full_name,
                             student.full_name, child))
            decision = decide_for(
                own=own, child=child, account=account.status if account is not None else None
            )
            if decision.electronic:
                electronic += 1
            else:
                paper.append(PaperFamily(guardian_id, guardian.full_name, student_id,
                                         student.full_name, decision.reason))
    if student_own_consent_required(session):
        for student_id, student in people.students.items():
            age = age_on(student.birth_date, on)
            if age is not None and age >= STUDENT_OWN_CONSENT_AGE:
                rows.append(_row(ConsentSubject.STUDENT_SELF, None, student_id,
                                 student.full_name, student.full_name,
                                 latest.get((ConsentSubject.STUDENT_SELF, None, student_id))))
    counts = {state: 0 for state in ConsentState}
    for row in rows:
        counts[row.state] += 1
    return ClassConsent(class_id, school_class.name, rows, counts, paper, electronic)


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of a person's consent history, oldest first."""

    entry_id: int
    subject: ConsentSubject
    child: str
    state: ConsentState
    signed_on: date | None
    form_number: str | None
    scan_id: int | None
    prefers_paper: bool
    corrects_id: int | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str


def consent_history(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    guardian_id: int | None = None,
    student_id: int | None = None,
) -> list[HistoryEntry]:
    """Every entry about a guardian (all subjects) or a student's own consent, oldest first."""
    require_class_scope(session, actor, class_id, Action.VIEW_CONSENT)
    people = class_people(session, class_id, on)
    if guardian_id is not None:
        if guardian_id not in people.guardians:
            raise PermissionDenied(OUT_OF_SCOPE)
        # The guardian's own consent, and about children only those of this class today: a
        # guardian shared with another class does not open that class's entries.
        condition = (ConsentEntry.guardian_id == guardian_id) & (
            (ConsentEntry.subject == ConsentSubject.GUARDIAN_SELF)
            | ConsentEntry.student_id.in_(people.children[guardian_id])
        )
    elif student_id is not None and student_id in people.students:
        condition = (ConsentEntry.student_id == student_id) & (
            ConsentEntry.subject == ConsentSubject.STUDENT_SELF
        )
    else:
        raise PermissionDenied(OUT_OF_SCOPE)
    names = {s.id: s.full_name for s in people.students.values()}
    return [
        HistoryEntry(
            entry_id=e.id,
            subject=e.subject,
            child=names.get(e.student_id, "") if e.student_id else "",
            state=e.state,
            signed_on=e.signed_on,
            form_number=e.form_number,
            scan_id=e.scan_id,
            prefers_paper=e.prefers_paper,
            corrects_id=e.corrects_id,
            reason=e.reason,
            recorded_at=e.recorded_at,
            recorded_by=e.recorded_by,
        )
        for e in session.scalars(select(ConsentEntry).where(condition).order_by(ConsentEntry.id))
    ]


def scan_file(
    session: Session, actor: Actor, *, class_id: int, on: date, scan_id: int
) -> tuple[str, str, bytes]:
    """A stored scan (name, media type, bytes) of a person of the class."""
    require_class_scope(session, actor, class_id, Action.VIEW_CONSENT)
    people = class_people(session, class_id, on)
    entries = session.scalars(select(ConsentEntry).where(ConsentEntry.scan_id == scan_id))
    if not any(reaches_consent_entry(people, entry) for entry in entries):
        raise PermissionDenied(OUT_OF_SCOPE)
    scan = get_or_404(session, ConsentScan, scan_id, "Скан не найден.")
    return scan.file_name, scan.media_type, scan.content


@dataclass(frozen=True)
class ConsentForm:
    """What a printed consent form is pre-filled with for one guardian."""

    guardian: str
    children: tuple[str, ...]
    class_name: str


def consent_forms(
    session: Session, actor: Actor, *, class_id: int, on: date, guardian_id: int | None = None
) -> list[ConsentForm]:
    """The form of one guardian, or of every guardian of the class not asked yet."""
    board = class_consent(session, actor, class_id=class_id, on=on)
    if guardian_id is not None:
        if not any(row.guardian_id == guardian_id for row in board.rows):
            raise PermissionDenied(OUT_OF_SCOPE)
        chosen = [guardian_id]
    else:
        chosen = list(dict.fromkeys(
            row.guardian_id for row in board.rows
            if row.guardian_id is not None and row.state is ConsentState.NOT_ASKED
        ))
    children: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for row in board.rows:
        if row.guardian_id in chosen:
            names[row.guardian_id] = row.person
            if row.subject is ConsentSubject.CHILD:
                children.setdefault(row.guardian_id, []).append(row.child)
    return [
        ConsentForm(names[g], tuple(children.get(g, [])), board.class_name) for g in chosen
    ]
