"""Scope rules: which classes, groups and students an actor may reach with an action."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from klassruk.db import read_only_cache
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import (
    AccountStatus,
    Enrolment,
    GroupMembership,
    Guardian,
    GuardianLink,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Student,
    StudyGroup,
    TeachingAssignment,
    UserAccount,
)
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.journal import Lesson
from klassruk.permissions import ROLE_ACTIONS, Action, Actor, Role, require
from klassruk.services.calendar import in_current_year
from klassruk.services.delivery import decide, refuse_paper_route, require_electronic_access
from klassruk.services.lookup import get_or_404

OUT_OF_SCOPE = "Эти данные вне вашей зоны ответственности."
SHARED_GUARDIAN = (
    "У представителя «{name}» есть дети и в других классах: заново выдать ему реквизиты, "
    "заблокировать его или изменить его контакты может только администратор."
)


def active_on(
    starts_col: ColumnElement[date] | InstrumentedAttribute[date],
    ends_col: ColumnElement[date | None] | InstrumentedAttribute[date | None],
    on: date,
) -> ColumnElement[bool]:
    """SQL condition: a date range [starts, ends] (open end allowed) contains `on`."""
    return and_(starts_col <= on, or_(ends_col.is_(None), ends_col >= on))


def link_current_on(on: date) -> ColumnElement[bool]:
    """SQL condition: the guardian link is in force on `on` (its end day excluded)."""
    return or_(GuardianLink.ends_on.is_(None), GuardianLink.ends_on > on)


def own_class_ids_query(actor: Actor) -> Select[int]:
    """Ids of the classes the actor is class teacher of (none without the role or a staff link)."""
    if Role.CLASS_TEACHER not in actor.roles or actor.staff_id is None:
        # `class_teacher_id == None` would match every class that has no class teacher.
        return select(SchoolClass.id).where(false())
    return select(SchoolClass.id).where(SchoolClass.class_teacher_id == actor.staff_id)


class ClassChoice(NamedTuple):
    """A class the actor may work with, for a picker."""

    class_id: int
    name: str


def classes_in_scope(
    session: Session, actor: Actor, *, action: Action, year_id: int | None = None
) -> list[ClassChoice]:
    """Classes of the current year (or of `year_id`) the actor may do `action` on.

    School-wide roles get all of them, a class teacher the own classes.

    Every class picker uses this. An actor without the action is refused; an empty list means
    the actor holds it but has no class to pick (a class teacher with no class assigned yet,
    or a school without classes this year), and the picker says so.
    """
    require(actor, action)
    in_year = (
        in_current_year(SchoolClass.school_year_id)
        if year_id is None
        else SchoolClass.school_year_id == year_id
    )
    query = (
        select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
        .where(in_year)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    )
    if not actor.is_school_wide_for(action):
        query = query.where(SchoolClass.id.in_(own_class_ids_query(actor)))
    return [ClassChoice(row[0], f"{row[1]}{row[2]}") for row in session.execute(query)]


def _grants(role: Role, actor: Actor, action: Action) -> bool:
    """The actor holds `role` and that role itself grants `action` (not another of its roles)."""
    return role in actor.roles and action in ROLE_ACTIONS[role]


def require_class_scope(session: Session, actor: Actor, class_id: int, action: Action) -> None:
    """Refuse unless the actor may do `action` on this class (school-wide roles, or own class)."""
    require(actor, action)
    if actor.is_school_wide_for(action):
        return
    if (
        Role.CLASS_TEACHER in actor.roles
        and actor.staff_id is not None
        and session.scalar(
            select(SchoolClass.id).where(
                SchoolClass.id == class_id, SchoolClass.class_teacher_id == actor.staff_id
            )
        )
        is not None
    ):
        return
    raise PermissionDenied(OUT_OF_SCOPE)


def require_group_scope(session: Session, actor: Actor, group_id: int, action: Action) -> None:
    """Refuse unless the actor teaches this group (or holds `action` school-wide)."""
    require(actor, action)
    if actor.is_school_wide_for(action):
        return
    if actor.staff_id is not None and session.scalar(
        select(TeachingAssignment.id).where(
            TeachingAssignment.group_id == group_id,
            TeachingAssignment.staff_id == actor.staff_id,
        )
    ):
        return
    raise PermissionDenied(OUT_OF_SCOPE)


def require_student_scope(
    session: Session, actor: Actor, student_id: int, action: Action, *, on: date
) -> None:
    """Refuse unless the student is the actor, their child, or in their class or groups."""
    require(actor, action)
    if actor.is_school_wide_for(action):
        return
    if actor.student_id == student_id and _grants(Role.STUDENT, actor, action):
        return
    # A guardian reaches a child as the cabinet does: link in force, account usable, and an
    # electronic route (a paper-only family gets paper, not data through another screen).
    refused: PermissionDenied | None = None
    if actor.guardian_id is not None and _grants(Role.GUARDIAN, actor, action):
        try:
            _require_guardian_gate(session, actor, student_id, on=on)
            return
        except PermissionDenied as error:
            refused = error
    if _grants(Role.CLASS_TEACHER, actor, action) and actor.staff_id is not None:
        in_own_class = session.scalar(
            select(Enrolment.id).where(
                Enrolment.student_id == student_id,
                Enrolment.class_id.in_(own_class_ids_query(actor)),
                active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            )
        )
        if in_own_class:
            return
    if _grants(Role.TEACHER, actor, action) and actor.staff_id is not None:
        in_own_group = session.scalar(
            select(GroupMembership.id)
            .join(TeachingAssignment, TeachingAssignment.group_id == GroupMembership.group_id)
            .where(
                GroupMembership.student_id == student_id,
                TeachingAssignment.staff_id == actor.staff_id,
                active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
            )
        )
        if in_own_group:
            return
    raise refused or PermissionDenied(OUT_OF_SCOPE)


def group_class_id(session: Session, group_id: int) -> int | None:
    """The class a group belongs to (None for cross-class streams)."""
    return session.scalar(select(StudyGroup.class_id).where(StudyGroup.id == group_id))


def current_students_query(class_ids: Select[int], on: date) -> Select[int]:
    """Ids of the students enrolled on `on` in any of the classes."""
    return select(Enrolment.student_id).where(
        Enrolment.class_id.in_(class_ids), active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )


def guardians_in_scope_query(actor: Actor, on: date) -> Select[int]:
    """Guardians a class teacher reaches: of their classes' current students, by a current link."""
    return select(GuardianLink.guardian_id).where(
        GuardianLink.student_id.in_(current_students_query(own_class_ids_query(actor), on)),
        link_current_on(on),
    )


def families_of_class_query(class_id: int, on: date) -> Select[int, int]:
    """(guardian, student) pairs of a class on `on`: a pupil enrolled then, a link in force."""
    this_class = select(SchoolClass.id).where(SchoolClass.id == class_id)
    return select(GuardianLink.guardian_id, GuardianLink.student_id).where(
        GuardianLink.student_id.in_(current_students_query(this_class, on)),
        link_current_on(on),
    )


def require_family_of_class(
    session: Session, actor: Actor, *, class_id: int, guardian_id: int, student_id: int,
    on: date, action: Action,
) -> None:
    """Refuse unless the guardian is the child's current guardian and the child is in the class.

    History about a family (extracts, paper acknowledgements) is reached only this way: through
    a link in force today to a pupil of the class today. The refusal is the same whether the
    family exists elsewhere or not at all.
    """
    require_class_scope(session, actor, class_id, action)
    pairs = families_of_class_query(class_id, on).subquery()
    found = session.scalar(
        select(pairs.c.guardian_id).where(
            pairs.c.guardian_id == guardian_id, pairs.c.student_id == student_id
        ).limit(1)
    )
    if found is None:
        raise PermissionDenied(OUT_OF_SCOPE)


@dataclass(frozen=True)
class ClassPeople:
    """The class's current students and their current guardians (how a guardian is in scope)."""

    students: dict[int, Student]
    guardians: dict[int, Guardian]
    children: dict[int, list[int]]  # guardian id → own children in the class, roster order


def class_people(session: Session, class_id: int, on: date) -> ClassPeople:
    """Students enrolled on `on`, in roster order, and the guardians linked to them that day.

    The one roster read of a class: consent, credentials, extracts and the demo use it.
    Callers check the actor's scope over the class first.
    """
    this_class = select(SchoolClass.id).where(SchoolClass.id == class_id)
    students = {
        s.id: s
        for s in session.scalars(
            select(Student)
            .where(Student.id.in_(current_students_query(this_class, on)))
            .order_by(Student.last_name, Student.first_name, Student.id)
        )
    }
    guardians: dict[int, Guardian] = {}
    children: dict[int, list[int]] = {}
    for guardian, student_id in session.execute(
        select(Guardian, GuardianLink.student_id)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .where(GuardianLink.student_id.in_(list(students)), link_current_on(on))
        .order_by(Guardian.last_name, Guardian.first_name, Guardian.id)
    ):
        guardians[guardian.id] = guardian
        children.setdefault(guardian.id, []).append(student_id)
    order = {student_id: index for index, student_id in enumerate(students)}
    for kids in children.values():
        kids.sort(key=order.__getitem__)
    return ClassPeople(students, guardians, children)


def reaches_consent_entry(roster: ClassPeople, entry: ConsentEntry) -> bool:
    """Whether a consent entry is about the class's people today, as consent_history shows."""
    if entry.subject is ConsentSubject.GUARDIAN_SELF:
        return entry.guardian_id in roster.guardians
    if entry.subject is ConsentSubject.STUDENT_SELF:
        return entry.student_id in roster.students
    return entry.student_id in roster.children.get(entry.guardian_id or 0, [])


def shared_guardian_ids(
    session: Session, actor: Actor, guardian_ids: Collection[int], action: Action, *, on: date
) -> set[int]:
    """Of these guardians, those with a child outside the actor's classes (none school-wide).

    Such a guardian belongs to another class teacher too: re-issuing their code, blocking them
    or changing their contacts would act on a family outside the actor's scope, so it needs a
    school-wide actor (the admin). A first code for a guardian without an account is allowed:
    nobody's access is replaced.
    """
    if actor.is_school_wide_for(action) or not guardian_ids:
        return set()
    own_students = current_students_query(own_class_ids_query(actor), on)
    return set(
        session.scalars(
            select(GuardianLink.guardian_id).where(
                GuardianLink.guardian_id.in_(list(guardian_ids)),
                GuardianLink.student_id.not_in(own_students),
                link_current_on(on),
            )
        )
    )


def family_students_query(actor: Actor, *, on: date) -> Select[int]:
    """Ids of the students whose cabinet the actor opens on `on`: own children, or self."""
    if actor.guardian_id is not None and actor.can(Action.VIEW_CABINET):
        return select(GuardianLink.student_id).where(
            GuardianLink.guardian_id == actor.guardian_id, link_current_on(on)
        )
    if actor.student_id is not None and actor.can(Action.VIEW_CABINET):
        return select(Student.id).where(Student.id == actor.student_id)
    return select(Student.id).where(false())


def require_family_scope(session: Session, actor: Actor, student_id: int, *, on: date) -> None:
    """Refuse unless the actor's account is usable and the student is their child or themself.

    A guardian whose link ended sees nothing from its end day on; a blocked account nothing.
    """
    require(actor, Action.VIEW_CABINET)
    # A page's picker and its services ask in one read-only unit: check once per unit.
    checked = read_only_cache(session, "family_scope")
    key = (actor.user_id, student_id, on)
    if key in checked:
        return
    if actor.guardian_id is not None and actor.student_id != student_id:
        _require_guardian_gate(session, actor, student_id, on=on)
        checked[key] = True
        return
    reachable = family_students_query(actor, on=on).subquery()
    allowed = (
        select(UserAccount.id)
        .where(
            UserAccount.id == actor.user_id,
            UserAccount.status != AccountStatus.BLOCKED,
            select(reachable.c[0]).where(reachable.c[0] == student_id).exists(),
        )
        .limit(1)
    )
    if actor.user_id is None or session.scalar(allowed) is None:
        raise PermissionDenied(OUT_OF_SCOPE)
    # Without consent to personal-data processing the family gets paper, not the cabinet.
    require_electronic_access(session, actor, student_id=student_id, on=on)
    checked[key] = True


@cache
def _guardian_gate() -> Select[AccountStatus, ConsentState, ConsentState, bool]:
    """The account's status, the link in force and both current consents, in one statement.

    Built once: it runs before every cabinet screen of a guardian at the evening peak, and a
    reused statement skips SQLAlchemy's construction and cache-key work.
    """
    guardian_id: BindParameter[int] = bindparam("guardian_id")
    student_id: BindParameter[int] = bindparam("student_id")
    on = bindparam("on", type_=Date)

    def newest(subject: ConsentSubject, student: ColumnElement[bool]) -> ScalarSelect[int]:
        return (
            select(ConsentEntry.id)
            .where(ConsentEntry.guardian_id == guardian_id, ConsentEntry.subject == subject,
                   student)
            .order_by(ConsentEntry.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    own, child = aliased(ConsentEntry), aliased(ConsentEntry)
    linked = select(GuardianLink.id).where(
        GuardianLink.guardian_id == guardian_id,
        GuardianLink.student_id == student_id,
        or_(GuardianLink.ends_on.is_(None), GuardianLink.ends_on > on),
    )
    return (
        select(UserAccount.status, own.state, child.state, child.prefers_paper)
        .select_from(UserAccount)
        .outerjoin(own, own.id == newest(ConsentSubject.GUARDIAN_SELF,
                                         ConsentEntry.student_id.is_(None)))
        .outerjoin(child, child.id == newest(ConsentSubject.CHILD,
                                             ConsentEntry.student_id == student_id))
        .where(UserAccount.id == bindparam("user_id"), UserAccount.guardian_id == guardian_id,
               linked.exists())
    )


def _require_guardian_gate(session: Session, actor: Actor, student_id: int, *, on: date) -> None:
    """A guardian's own child (link in force), account not blocked, consent for electronic."""
    row = session.execute(
        _guardian_gate(),
        {"user_id": actor.user_id, "guardian_id": actor.guardian_id, "student_id": student_id,
         "on": on},
    ).one_or_none()
    if row is None or row[0] is AccountStatus.BLOCKED:
        raise PermissionDenied(OUT_OF_SCOPE)
    status, own, child, prefers_paper = row
    refuse_paper_route(decide(
        own=own or ConsentState.NOT_ASKED,
        child=child or ConsentState.NOT_ASKED,
        prefers_paper=bool(prefers_paper),
        account=status,
    ))


# ---------------------------------------------------------------- journals

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


def require_student_reader(session: Session, actor: Actor, *, student_id: int, on: date) -> None:
    """Refuse unless the student is in the actor's class, is their child, or is themself."""
    held = [a for a in (Action.VIEW_CLASS, Action.VIEW_CHILD, Action.VIEW_SELF) if actor.can(a)]
    if not held:
        require(actor, Action.VIEW_SELF)
    for action in held:
        try:
            require_student_scope(session, actor, student_id, action, on=on)
        except PermissionDenied:
            continue
        return
    raise PermissionDenied(OUT_OF_SCOPE)
