"""Scope over journals: who writes a journal, who reads it and which of its rows."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
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
    SchoolClass,
    SchoolYear,
    Student,
    StudyGroup,
    TeachingAssignment,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.classes import OUT_OF_SCOPE, own_class_ids_query, require_class_scope
from klassruk.text.policy import required_reason

READ_ONLY = (
    "Журнал по этому предмету ведёт учитель-предметник группы: "
    "у вас права только на просмотр, изменения не сохранены."
)

CLOSED_PERIOD_REASON = "Укажите причину исправления в закрытом периоде."
CLOSED = "Период «{name}» закрыт: исправления вносит заместитель директора с указанием причины."
YEAR_CLOSED = "Учебный год {name} закрыт: его журнал только для чтения."

DEPUTY_OPEN_PERIOD = (
    "Заместитель директора вносит исправления только в закрытые периоды; "
    "текущие оценки ставит учитель."
)

NOT_COVERED = (
    "Как замещающий учитель вы заполняете только уроки, которые провели сами; ничего не сохранено."
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
                required_reason(reason, missing=CLOSED_PERIOD_REASON)
                return
            raise DomainError(CLOSED.format(name=period.name))
        return
    if actor.can(Action.EDIT_CLOSED_PERIOD):
        if not period.is_closed:
            raise PermissionDenied(DEPUTY_OPEN_PERIOD)
        required_reason(reason, missing=CLOSED_PERIOD_REASON)
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
    # The enrolments the spans were read from, as SQL (None with every row): rows() asks them
    # instead of listing every span (an OR branch per pupil slowed PostgreSQL's grade reads).
    enrolments: ColumnElement[bool] | None = field(default=None, compare=False)

    def sees(self, student_id: int, on: date) -> bool:
        """Whether the reader sees this pupil's row on this day."""
        if self.spans is None:
            return True
        return any(
            start <= on and (end is None or on <= end)
            for start, end in self.spans.get(student_id, ())
        )

    def sees_during(self, student_id: int, spans: Iterable[Span], starts: date, ends: date) -> bool:
        """Whether the reader sees the pupil on some day of these spans within `starts`–`ends`."""
        if self.spans is None:
            return True
        for start, end in spans:
            low, high = max(start, starts), ends if end is None else min(end, ends)
            if low <= high and any(
                seen_start <= high and (seen_end is None or low <= seen_end)
                for seen_start, seen_end in self.spans.get(student_id, ())
            ):
                return True
        return False

    def seen_between(self, student_ids: Collection[int], starts: date, ends: date) -> set[int]:
        """Of these pupils, those the reader sees on some day from `starts` to `ends`."""
        return {s for s in student_ids if self.sees_during(s, [(starts, ends)], starts, ends)}

    def period_grades_of(self, student_ids: Collection[int], period: ReportingPeriod) -> set[int]:
        """Of these pupils, those whose period grade the reader sees: in reach on its last day.

        A pupil who moved class during the period got the grade in the class they ended it in.
        """
        if self.spans is None:
            return set(student_ids)
        return {s for s in student_ids if self.sees(s, period.ends_on)}

    def rows(
        self,
        student_col: ColumnElement[int] | InstrumentedAttribute[int],
        day_col: ColumnElement[date] | InstrumentedAttribute[date],
    ) -> ColumnElement[bool]:
        """SQL condition: the (pupil, day) of a row is one the reader sees.

        Both columns' tables must be in the caller's FROM (the condition correlates to them).
        """
        if self.enrolments is None:
            return true() if self.spans is None else false()
        return (
            select(Enrolment.id)
            .where(
                self.enrolments,
                Enrolment.student_id == student_col,
                Enrolment.starts_on <= day_col,
                or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= day_col),
            )
            .exists()
        )


FULL_REACH = JournalReach()


def enrolment_reach(
    session: Session, class_ids: Select[int], students: Select[int] | None = None
) -> JournalReach:
    """Pupils of these classes (of `students`, if given), each on the days enrolled there."""
    enrolments: ColumnElement[bool] = Enrolment.class_id.in_(class_ids)
    if students is not None:
        enrolments = and_(enrolments, Enrolment.student_id.in_(students))
    spans: dict[int, list[Span]] = {}
    for student_id, start, end in session.execute(
        select(Enrolment.student_id, Enrolment.starts_on, Enrolment.ends_on).where(enrolments)
    ):
        spans.setdefault(student_id, []).append((start, end))
    return JournalReach(spans, enrolments)


def class_reach(
    session: Session, class_id: int, students: Select[int] | None = None
) -> JournalReach:
    """The class journal's rows: its pupils (of `students`, if given) on their days in it."""
    return enrolment_reach(
        session, select(SchoolClass.id).where(SchoolClass.id == class_id), students
    )


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


def require_class_card_scope(
    session: Session, actor: Actor, *, class_id: int, student_id: int, period: ReportingPeriod
) -> JournalReach:
    """Refuse unless the actor reads the class's journal and the pupil was in it in the period.

    Returns what the card shows of the pupil: the days in this class only (marks from before a
    move into it or after a move out belong to the other class). The class journal's cached
    reads run as the system: this decides which card they may show.
    """
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS_JOURNAL)
    reach = class_reach(session, class_id, select(Student.id).where(Student.id == student_id))
    if not reach.seen_between([student_id], period.starts_on, period.ends_on):
        raise PermissionDenied(OUT_OF_SCOPE)
    return reach
