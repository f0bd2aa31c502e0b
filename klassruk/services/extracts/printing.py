"""Printing extracts: the families chosen, the register's new rows, their content; reprints."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.extracts import PaperExtract
from klassruk.models.school import ReportingPeriod, SchoolClass
from klassruk.services.acknowledgements.paper import PrintedItems, paper_snapshots
from klassruk.services.consent.register import class_consent
from klassruk.services.extracts.content import (
    DatedLine,
    ExtractContent,
    Journal,
    digest,
    load_journal,
)
from klassruk.services.locking import lock_or_404, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.notifications.tracking import mark_printed, paper_messages
from klassruk.services.roster.people import ClassPeople, class_people
from klassruk.services.scope.classes import require_class_scope

MAX_RANGE_DAYS = 200


@dataclass(frozen=True)
class Family:
    """A guardian and one own child of the class: who gets one extract."""

    guardian_id: int
    student_id: int


def _check_range(
    session: Session, date_from: date | None, date_to: date | None, period_id: int | None
) -> tuple[date, date, ReportingPeriod | None]:
    period = None
    if period_id is not None:
        period = get_or_404(session, ReportingPeriod, period_id, "Учебный период не найден.")
        return period.starts_on, period.ends_on, period
    if date_from is None or date_to is None:
        raise DomainError("Укажите период выписки: даты «с» и «по» или учебный период.")
    if date_from > date_to:
        raise DomainError("Дата «с» позже даты «по».")
    if (date_to - date_from).days > MAX_RANGE_DAYS:
        raise DomainError(f"Выписка — не больше чем за {MAX_RANGE_DAYS} дней.")
    return date_from, date_to, period


def _chosen_families(
    session: Session,
    actor: Actor,
    school_class: SchoolClass,
    people: ClassPeople,
    *,
    on: date,
    families: Collection[Family] | None,
    one_per_child: bool,
) -> list[Family]:
    """The families to print for: those asked for (all of the class), or the paper list."""
    if families is not None:
        chosen = list(dict.fromkeys(families))
        for family in chosen:
            if family.student_id not in people.children.get(family.guardian_id, []):
                raise PermissionDenied(
                    f"Родитель и ребёнок не из {school_class.name} класса: ничего не напечатано."
                )
    else:
        board = class_consent(session, actor, class_id=school_class.id, on=on)
        chosen = [Family(p.guardian_id, p.student_id) for p in board.paper]
        if one_per_child:
            first: dict[int, Family] = {}
            for family in chosen:
                first.setdefault(family.student_id, family)
            chosen = list(first.values())
    if not chosen:
        raise DomainError("Печатать некому: в списке нет ни одной семьи.")
    return chosen


def _covered(
    journal: Journal, ledger: dict[int, Any], student_id: int, reprint_of: int | None
) -> dict[str, Any]:
    """What an extract shows, by kind of item: what a returned slip acknowledges."""
    covered: dict[str, Any] = {k: list(v) for k, v in sorted(journal.covered[student_id].items())}
    # What the ledger records when the signed slip comes back (channel «бумага»).
    covered["ledger"] = ledger[student_id]
    if reprint_of is not None:
        covered["reprint_of"] = reprint_of
    return covered


def _register(
    session: Session,
    actor: Actor,
    class_id: int,
    chosen: list[Family],
    journal: Journal,
    extent: tuple[date, date, int | None],
    *,
    now: datetime,
    reprint_of: int | None,
) -> list[PaperExtract]:
    """The register's rows of the extracts, with what each covers and the ledger's snapshot."""
    start, end, period_id = extent
    ledger = paper_snapshots(
        session, date_from=start, date_to=end,
        printed={
            student_id: PrintedItems(
                journal.covered[student_id]["period_grades"],
                journal.covered[student_id]["recommendations"],
            )
            for student_id in dict.fromkeys(f.student_id for f in chosen)
        },
    )
    rows = []
    for family in chosen:
        covered = _covered(journal, ledger, family.student_id, reprint_of)
        rows.append(PaperExtract(
            class_id=class_id, student_id=family.student_id, guardian_id=family.guardian_id,
            date_from=start, date_to=end, period_id=period_id, printed_at=now,
            printed_by_user_id=actor.user_id, printed_by=actor.login[:80],
            covered=covered, digest=digest(covered),
        ))
    session.add_all(rows)
    session.flush()
    return rows


def _paper_messages(session: Session, guardian_id: int, student_id: int) -> list[DatedLine]:
    """Messages waiting for this paper family, marked printed as they go on the extract."""
    waiting = [m for _, m in paper_messages(session, guardian_id=guardian_id,
                                            student_ids=[student_id])]
    mark_printed(session, guardian_id=guardian_id, message_ids=[m.id for m in waiting])
    return [DatedLine(m.created_at.date(), m.title, m.body) for m in waiting]


@read_modify_write("the class row locked before waiting paper messages are read")
def print_extracts(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    date_from: date | None = None,
    date_to: date | None = None,
    period_id: int | None = None,
    families: Collection[Family] | None = None,
    one_per_child: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    reprint_of: int | None = None,
) -> list[ExtractContent]:
    """Register one extract per family (None: the class's paper list) and return their content.

    The school chooses whether each paper guardian gets an own extract of the child or the
    child carries one home (`one_per_child`: to the first guardian of the paper list).
    `reprint_of` marks a reprint: the register shows which earlier number it replaces.
    """
    require_class_scope(session, actor, class_id, Action.PRINT_EXTRACTS)
    start, end, period = _check_range(session, date_from, date_to, period_id)
    # One print of a class at a time: a second waits here, then finds the paper messages the
    # first put on its extracts already printed, so no message goes home twice.
    school_class = lock_or_404(session, SchoolClass, class_id, "Класс не найден.")
    people = class_people(session, class_id, on)
    chosen = _chosen_families(
        session, actor, school_class, people, on=on, families=families,
        one_per_child=one_per_child,
    )
    journal = load_journal(session, sorted({f.student_id for f in chosen}), start, end)
    now = now or utcnow()
    rows = _register(
        session, actor, class_id, chosen, journal,
        (start, end, period.id if period else None), now=now, reprint_of=reprint_of,
    )
    teacher = school_class.class_teacher.full_name if school_class.class_teacher else "—"
    contents: list[ExtractContent] = []
    for index, (family, row) in enumerate(zip(chosen, rows, strict=True), start=1):
        student_id = family.student_id
        contents.append(ExtractContent(
            number=row.id, student_id=student_id, guardian_id=family.guardian_id,
            student=people.students[student_id].full_name,
            guardian=people.guardians[family.guardian_id].full_name,
            class_name=school_class.name, class_teacher=teacher, date_from=start, date_to=end,
            period=period.name if period else None, printed_at=now,
            subjects=sorted(journal.subjects[student_id].values(), key=lambda s: s.subject),
            absences=journal.absences[student_id], homework=journal.homework[student_id],
            tests=journal.tests[student_id], changes=journal.changes[student_id],
            recommendations=journal.recommendations[student_id], reprint_of=reprint_of,
            messages=_paper_messages(session, family.guardian_id, student_id),
        ))
        if progress is not None:
            progress(index, len(chosen))
    return contents
