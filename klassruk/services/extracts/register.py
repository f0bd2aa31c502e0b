"""The class's register of printed extracts: reprints, the days they were handed over and signed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.extracts import PaperExtract
from klassruk.models.school import Guardian, Student
from klassruk.services.accounts.users import author_names
from klassruk.services.acknowledgements.paper import record_paper_acknowledgements
from klassruk.services.extracts.content import ExtractContent
from klassruk.services.extracts.printing import Family, print_extracts
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.classes import require_class_scope
from klassruk.services.scope.links import families_of_class_query, require_family_of_class


@dataclass(frozen=True)
class RegisterRow:
    """One printed extract in the class's register."""

    number: int
    student: str
    guardian: str
    date_from: date
    date_to: date
    printed_at: datetime
    printed_by: str  # who printed it, by name (the extract keeps the login)
    handed_on: date | None
    returned_on: date | None
    reprint_of: int | None = None


def extract_register(
    session: Session, actor: Actor, *, class_id: int, on: date
) -> list[RegisterRow]:
    """Every extract printed for the class, newest first."""
    require_class_scope(session, actor, class_id, Action.VIEW_EXTRACTS)
    rows = session.execute(
        select(PaperExtract, Student.last_name, Student.first_name, Guardian.last_name,
               Guardian.first_name)
        .join(Student, Student.id == PaperExtract.student_id)
        .join(Guardian, Guardian.id == PaperExtract.guardian_id)
        .where(
            PaperExtract.class_id == class_id,
            # History through a family that is the class's today: a pupil who left, or a
            # guardian whose link ended, takes their extracts out of this register.
            tuple_(PaperExtract.guardian_id, PaperExtract.student_id).in_(
                families_of_class_query(class_id, on)
            ),
        )
        .order_by(PaperExtract.id.desc())
    ).all()
    names = author_names(session, {row.printed_by for row, *_ in rows})
    return [
        RegisterRow(
            number=row.id,
            student=f"{s_last} {s_first}",
            guardian=f"{g_last} {g_first}",
            date_from=row.date_from,
            date_to=row.date_to,
            printed_at=row.printed_at,
            printed_by=names[row.printed_by],
            handed_on=row.handed_on,
            returned_on=row.returned_on,
            reprint_of=row.covered.get("reprint_of"),
        )
        for row, s_last, s_first, g_last, g_first in rows
    ]


def _own_extract(session: Session, actor: Actor, extract_id: int, on: date) -> PaperExtract:
    extract = get_or_404(session, PaperExtract, extract_id, f"Выписка № {extract_id} не найдена.")
    require_family_of_class(
        session, actor, class_id=extract.class_id, guardian_id=extract.guardian_id,
        student_id=extract.student_id, on=on, action=Action.PRINT_EXTRACTS,
    )
    return extract


def _check_day(day: date, extract: PaperExtract, on: date) -> None:
    if day > on:
        raise DomainError("Дата не может быть в будущем.")
    if day < extract.printed_at.date():
        raise DomainError(f"Выписка № {extract.id} напечатана позже этой даты.")


def mark_handed(session: Session, actor: Actor, *, extract_id: int, handed_on: date,
                on: date) -> None:
    """Record the day the extract was handed to the family."""
    extract = _own_extract(session, actor, extract_id, on)
    _check_day(handed_on, extract, on)
    extract.handed_on = handed_on
    session.flush()


@read_modify_write("the extract's row locked before «returned» is checked")
def mark_returned(session: Session, actor: Actor, *, extract_id: int, returned_on: date,
                  on: date) -> None:
    """Record the signed slip's return: the family acknowledged what the extract showed."""
    # A second session marking the same slip waits here and then sees it returned.
    (extract,) = lock_rows(session, PaperExtract, [_own_extract(session, actor, extract_id, on).id])
    _check_day(returned_on, extract, on)
    if extract.returned_on is not None:
        raise DomainError(f"Талон выписки № {extract.id} уже отмечен возвращённым.")
    if extract.handed_on is None:
        extract.handed_on = returned_on
    elif returned_on < extract.handed_on:
        raise DomainError("Талон не может вернуться раньше, чем выписка выдана.")
    extract.returned_on = returned_on
    session.flush()
    record_paper_acknowledgements(session, actor, extract_id=extract.id, on=on)


def reprint_extract(
    session: Session, actor: Actor, *, extract_id: int, on: date, now: datetime | None = None
) -> ExtractContent:
    """Print an extract again for the same child, guardian and range, as the journal is now.

    The reprint gets a new number that refers to the old one: the register keeps both, and a
    slip that comes back is matched to what the family was actually handed.
    """
    extract = _own_extract(session, actor, extract_id, on)
    (content,) = print_extracts(
        session, actor, class_id=extract.class_id, on=on,
        date_from=extract.date_from, date_to=extract.date_to, period_id=extract.period_id,
        families=[Family(extract.guardian_id, extract.student_id)], now=now,
        reprint_of=extract.id,
    )
    return content
