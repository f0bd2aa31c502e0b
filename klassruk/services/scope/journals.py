"""Scope over journals: who writes a journal, who reads it and which of its rows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.access.permissions import Action, Actor, Role, require
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.journal import Lesson
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    ReportingPeriod,
    SchoolYear,
    StudyGroup,
    TeachingAssignment,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.classes import OUT_OF_SCOPE, own_class_ids_query, require_class_scope

READ_ONLY = (
    "Журнал по этому предмету ведёт учитель-предметник группы: "
    "у вас права только на просмотр, изменения не сохранены."
)

CLOSED = "Период «{name}» закрыт: исправления вносит заместитель директора с указанием причины."
YEAR_CLOSED = "Учебный год {name} закрыт: его журнал только для чтения."

DEPUTY_OPEN_PERIOD = (
    "Заместитель директора вносит исправления только в закрытые периоды; "
    "текущие оценки ставит учитель."
)

NOT_COVERED = (
    "Как замещающий учитель вы заполняете только уроки, которые провели сами; "
    "ничего не сохранено."
)


def keeps_journal(session: Session, actor: Actor, *, group_id: int, subject_id: int) -> bool:
    """Whether the actor teaches this group the subject (the system keeps every journal)."""
    if actor.is_system:
        return True
    if not actor.can(Action.EDIT_JOURNAL) or actor.staff_id is None:
        return False
    return (
        session.scalar(
            select(TeachingAssignment.id).where(
                TeachingAssignment.group_id == group_id,
                TeachingAssignment.subject_id == subject_id,
                TeachingAssignment.staff_id == actor.staff_id,
            )
        )
        is not None
    )


def substitute_lessons(
    session: Session, actor: Actor, *, group_id: int, subject_id: int
) -> set[int]:
    """Lessons of this journal the actor taught as a substitute."""
    if actor.staff_id is None or not actor.can(Action.EDIT_JOURNAL):
        return set()
    return set(
        session.scalars(
            select(Lesson.id).where(
                Lesson.group_id == group_id,
                Lesson.subject_id == subject_id,
                Lesson.staff_id == actor.staff_id,
            )
        )
    )


def require_journal_writer(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    period: ReportingPeriod,
    reason: str | None,
    lesson_ids: Collection[int] = (),
) -> None:
    """Refuse unless the actor may write this journal (or these lessons of it) in this period.

    The subject teacher writes in open periods; a substitute writes the lessons they covered;
    the deputy head corrects closed periods with a reason; everyone else (the class teacher
    included) only reads. Nobody writes into a closed school year.
    """
    require_open_year(session, period)
    if lesson_ids and not keeps_journal(session, actor, group_id=group_id, subject_id=subject_id):
        covered = substitute_lessons(session, actor, group_id=group_id, subject_id=subject_id)
        if covered and set(lesson_ids) <= covered:
            if period.is_closed:
                raise DomainError(CLOSED.format(name=period.name))
            return
        if covered:
            raise PermissionDenied(NOT_COVERED)
    if keeps_journal(session, actor, group_id=group_id, subject_id=subject_id):
        if period.is_closed and not actor.is_system:
            if actor.can(Action.EDIT_CLOSED_PERIOD):
                if not (reason or "").strip():
                    raise DomainError("Укажите причину исправления в закрытом периоде.")
                return
            raise DomainError(CLOSED.format(name=period.name))
        return
    if actor.can(Action.EDIT_CLOSED_PERIOD):
        if not period.is_closed:
            raise PermissionDenied(DEPUTY_OPEN_PERIOD)
        if not (reason or "").strip():
            raise DomainError("Укажите причину исправления в закрытом периоде.")
        return
    raise PermissionDenied(READ_ONLY)


def require_open_year(session: Session, period: ReportingPeriod) -> None:
    """Refuse any write into a period of a school year closed by the rollover."""
    year = session.get(SchoolYear, period.school_year_id)
    if year is not None and year.closed_at is not None:
        raise DomainError(YEAR_CLOSED.format(name=year.name))


def may_write_journal(session: Session, actor: Actor, *, group_id: int, subject_id: int) -> bool:
    """Whether the actor is the one who keeps this journal (for showing edit widgets)."""
    return actor.can(Action.EDIT_CLOSED_PERIOD) or keeps_journal(
        session, actor, group_id=group_id, subject_id=subject_id
    )


Span = tuple[date, date | None]


@dataclass(frozen=True)
class JournalReach:
    """The rows of a journal a reader sees: all of them, or some pupils on some days only."""

    # None: every row on every day; else per pupil the days they may be seen (open end allowed).
    spans: dict[int, list[Span]] | None = None

    def sees(self, student_id: int, on: date) -> bool:
        """Whether the reader sees this pupil's row on this day."""
        if self.spans is None:
            return True
        return any(
            start <= on and (end is None or on <= end)
            for start, end in self.spans.get(student_id, ())
        )

    def rows(
        self, student_col: ColumnElement[int] | InstrumentedAttribute[int],
        day_col: ColumnElement[date] | InstrumentedAttribute[date],
    ) -> ColumnElement[bool]:
        """SQL condition: the (pupil, day) of a row is one the reader sees."""
        if self.spans is None:
            return true()
        return or_(false(), *(
            and_(student_col == student_id, day_col >= start,
                 true() if end is None else day_col <= end)
            for student_id, spans in self.spans.items() for start, end in spans
        ))


FULL_REACH = JournalReach()


def enrolment_reach(
    session: Session, class_ids: Select[int], students: Select[int] | None = None
) -> JournalReach:
    """Pupils of these classes (of `students`, if given), each on the days enrolled there."""
    query = select(Enrolment.student_id, Enrolment.starts_on, Enrolment.ends_on).where(
        Enrolment.class_id.in_(class_ids)
    )
    if students is not None:
        query = query.where(Enrolment.student_id.in_(students))
    spans: dict[int, list[Span]] = {}
    for student_id, start, end in session.execute(query):
        spans.setdefault(student_id, []).append((start, end))
    return JournalReach(spans)


def _stream_reach(session: Session, actor: Actor, group_id: int) -> JournalReach | None:
    """A stream's rows a class teacher sees: own pupils, on the days they were in own classes."""
    if Role.CLASS_TEACHER not in actor.roles or actor.staff_id is None:
        return None
    members = select(GroupMembership.student_id).where(GroupMembership.group_id == group_id)
    reach = enrolment_reach(session, own_class_ids_query(actor), members)
    return reach if reach.spans else None


def require_journal_reader(
    session: Session, actor: Actor, *, group_id: int, subject_id: int
) -> JournalReach:
    """Refuse unless the actor keeps this journal or reads the class journal of the group.

    Returns what the actor sees of it: everything, or, in a stream that spans classes, the
    class teacher's own pupils on the days they were in the own class.
    """
    if keeps_journal(session, actor, group_id=group_id, subject_id=subject_id):
        return FULL_REACH
    if substitute_lessons(session, actor, group_id=group_id, subject_id=subject_id):
        return FULL_REACH
    if actor.is_school_wide_for(Action.VIEW_CLASS_JOURNAL):
        return FULL_REACH
    group = get_or_404(session, StudyGroup, group_id, "Учебная группа не найдена.")
    if group.class_id is not None:
        require_class_scope(session, actor, group.class_id, Action.VIEW_CLASS_JOURNAL)
        return FULL_REACH
    require(actor, Action.VIEW_CLASS_JOURNAL)
    reach = _stream_reach(session, actor, group_id)
    if reach is None:
        raise PermissionDenied(OUT_OF_SCOPE)
    return reach


def _enrolled_in(period: ReportingPeriod) -> ColumnElement[bool]:
    """SQL condition: the enrolment overlaps the period."""
    return and_(
        Enrolment.starts_on <= period.ends_on,
        or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= period.starts_on),
    )


def require_class_card_scope(
    session: Session, actor: Actor, *, class_id: int, student_id: int, period: ReportingPeriod
) -> None:
    """Refuse unless the actor reads the class's journal and the pupil was in it in the period.

    The class journal's cached reads run as the system: this decides which card they may show.
    """
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS_JOURNAL)
    if session.scalar(
        select(Enrolment.id).where(
            Enrolment.class_id == class_id, Enrolment.student_id == student_id,
            _enrolled_in(period),
        ).limit(1)
    ) is None:
        raise PermissionDenied(OUT_OF_SCOPE)


def require_student_card_scope(
    session: Session, actor: Actor, *, student_id: int, period: ReportingPeriod
) -> None:
    """Refuse unless the student was in a class whose journal the actor reads in the period."""
    class_ids = list(
        session.scalars(
            select(Enrolment.class_id).where(
                Enrolment.student_id == student_id, _enrolled_in(period)
            )
        )
    )
    for class_id in class_ids:
        try:
            require_class_scope(session, actor, class_id, Action.VIEW_CLASS_JOURNAL)
            return
        except PermissionDenied:
            continue
    raise PermissionDenied(OUT_OF_SCOPE)
