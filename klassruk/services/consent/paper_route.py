"""Moving a family to paper delivery by the guardian's signed statement (заявление)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.consent import CONSENT_STATE_TITLES, ConsentState, ConsentSubject
from klassruk.models.school import Guardian, SchoolClass
from klassruk.services.consent.recording import (
    ConsentFact,
    check_form,
    record_consent,
)
from klassruk.services.delivery import latest_entries, state_of
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.roster.people import class_people
from klassruk.services.scope.classes import require_class_scope
from klassruk.text.formatting import format_date
from klassruk.text.policy import required_reason
from klassruk.text.russian import about, agree_with, listing


@dataclass(frozen=True)
class PaperStatement:
    """The guardian's signed statement asking for paper: its number, date and reason, checked."""

    form_number: str
    signed_on: date
    reason: str


def check_statement(
    *, form_number: str | None, signed_on: date | None, reason: str | None, on: date
) -> PaperStatement:
    """The statement's data cleaned, or a Russian refusal; the screen asks it before confirming."""
    if not (form_number or "").strip():
        raise DomainError("Укажите № заявления родителя о переводе на бумагу.")
    fact = ConsentFact(
        ConsentSubject.CHILD, ConsentState.GIVEN, signed_on, form_number, prefers_paper=True
    )
    checked_on, number = check_form(fact, on)
    text = required_reason(
        reason,
        missing="Укажите причину перевода на бумагу (например, «нет интернета дома»): "
        "она хранится в истории записей.",
    )
    assert checked_on is not None and number is not None  # check_form refuses a given without
    return PaperStatement(number, checked_on, text)


@dataclass(frozen=True)
class PaperMove:
    """What moving a family to paper did: the children moved, and those already on paper."""

    guardian: str
    statement: PaperStatement
    moved: tuple[str, ...]
    already: tuple[tuple[str, str], ...]  # (child, why the child's information is on paper)

    @property
    def message(self) -> str:
        """The outcome in Russian, names in their cases."""
        parts = []
        if self.moved:
            done = agree_with(self.guardian, "переведён", "переведена")
            parts.append(
                f"{self.guardian} {done} на бумажные выписки по заявлению "
                f"№ {self.statement.form_number} от {format_date(self.statement.signed_on)}: "
                f"сведения {listing([about(c) for c in self.moved])} школа выдаёт на бумаге, "
                "электронная доставка прекращена."
            )
        for child, why in self.already:
            parts.append(
                f"Сведения {about(child)} и так выдаются на бумаге ({why}): ничего не изменено."
            )
        return " ".join(parts)


def _name(last: str, first: str, middle: str | None = None) -> str:
    return " ".join(p for p in (last, first, middle) if p)


@read_modify_write(
    "the guardian's row locked (as record_consent locks it) before the current entries are read"
)
def move_family_to_paper(
    session: Session,
    actor: Actor,
    *,
    guardian_id: int,
    class_id: int,
    form_number: str,
    signed_on: date | None,
    reason: str,
    on: date,
) -> PaperMove:
    """Record the guardian's statement: each child in the class with consent given goes to paper."""
    require_class_scope(session, actor, class_id, Action.RECORD_CONSENT)
    class_name = get_or_404(session, SchoolClass, class_id, "Класс не найден.").name
    people = class_people(session, class_id, on)
    if guardian_id not in people.guardians:
        raise PermissionDenied(
            f"Этот родитель не связан ни с одним обучающимся {class_name} класса: "
            "ничего не изменено."
        )
    statement = check_statement(form_number=form_number, signed_on=signed_on, reason=reason, on=on)
    # Two clicks: the second waits here, then reads the first one's entries and moves nobody.
    lock_rows(session, Guardian, [guardian_id])
    latest = latest_entries(session, guardian_ids=[guardian_id], student_ids=[])
    moved: list[str] = []
    already: list[tuple[str, str]] = []
    for student_id in people.children[guardian_id]:
        student = people.students[student_id]
        child = _name(student.last_name, student.first_name)
        current = latest.get((ConsentSubject.CHILD, guardian_id, student_id))
        state = state_of(current)
        if current is None or state is not ConsentState.GIVEN:
            already.append(
                (child, f"нет согласия на обработку данных ребёнка: {CONSENT_STATE_TITLES[state]}")
            )
            continue
        if current.prefers_paper:
            already.append((child, "родитель уже выбрал бумажную форму"))
            continue
        fact = ConsentFact(
            ConsentSubject.CHILD,
            ConsentState.GIVEN,
            statement.signed_on,
            statement.form_number,
            guardian_id=guardian_id,
            student_id=student_id,
            prefers_paper=True,
        )
        record_consent(session, actor, class_id=class_id, on=on, fact=fact, reason=statement.reason)
        moved.append(child)
    guardian = people.guardians[guardian_id]
    return PaperMove(
        _name(guardian.last_name, guardian.first_name, guardian.middle_name),
        statement,
        tuple(moved),
        tuple(already),
    )
