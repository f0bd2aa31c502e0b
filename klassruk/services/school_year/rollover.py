"""The new school year: a plan shown first (dry run), then exactly that plan in one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.audit.log import audit_context
from klassruk.errors import Conflict, DomainError, NotFound
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    Holiday,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
)
from klassruk.services.calendar import find_current_year
from klassruk.services.groups.queries import enrol_student
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.school_year.closing import (
    accounts_of_leavers,
    periods_to_close,
    year_end_pupils,
    year_grades,
)
from klassruk.services.school_year.plans import ClassMove, GroupLayout, RolloverPlan
from klassruk.text.formatting import format_date

# Grades whose pupils finish a level: the 11th all leave; of the 9th, those the school names.
LAST_GRADE = 11
BASIC_LEVEL_GRADE = 9
# Leavers keep their cabinet for the summer (certificates, appeals), then their accounts block.
LEAVERS_KEEP_DAYS = 92
_Span = TypeVar("_Span", ReportingPeriod, Holiday)


def _a_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _a_year_on(
    session: Session, model: type[_Span], old_year_id: int, new_year_id: int
) -> list[_Span]:
    """The old year's periods (or holidays) for the new year: same names, dates a year later."""
    return [
        model(
            school_year_id=new_year_id,
            name=span.name,
            starts_on=_a_year_later(span.starts_on),
            ends_on=_a_year_later(span.ends_on),
        )
        for span in session.scalars(select(model).where(model.school_year_id == old_year_id))
    ]


def _year_to_close(session: Session) -> SchoolYear:
    year = find_current_year(session)
    if year is None:
        raise NotFound("Текущий учебный год не задан: закрывать нечего.")
    return year


def plan_rollover(
    session: Session,
    actor: Actor,
    *,
    on: date,
    ninth_leavers: Collection[int] = (),
    leavers_block_on: date | None = None,
) -> RolloverPlan:
    """What closing the current year and opening the next would do; nothing is written."""
    require(actor, Action.MANAGE_SCHOOL_YEAR)
    return _plan(session, _year_to_close(session), on=on, ninth_leavers=set(ninth_leavers),
                 leavers_block_on=leavers_block_on)


def default_leavers_block_on(session: Session, actor: Actor) -> date:
    """The day leavers' accounts are blocked unless another is chosen."""
    require(actor, Action.MANAGE_SCHOOL_YEAR)
    return _default_block_on(_year_to_close(session))


def _default_block_on(year: SchoolYear) -> date:
    return year.ends_on + timedelta(days=LEAVERS_KEEP_DAYS)


def basic_level_pupils(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, «9А Фамилия Имя») of the current year's 9th graders, for naming who leaves."""
    require(actor, Action.MANAGE_SCHOOL_YEAR)
    year = _year_to_close(session)
    pupils = year_end_pupils(session, year)
    return [
        (student_id, f"{school_class.name} {name}")
        for school_class in session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_year_id == year.id,
                   SchoolClass.grade == BASIC_LEVEL_GRADE)
            .order_by(SchoolClass.letter)
        )
        for student_id, name in pupils.get(school_class.id, [])
    ]


def _plan(
    session: Session,
    year: SchoolYear,
    *,
    on: date,
    ninth_leavers: set[int],
    leavers_block_on: date | None,
) -> RolloverPlan:
    new_starts = _a_year_later(year.starts_on)
    new_name = f"{new_starts.year}/{new_starts.year + 1}"
    blockers = []
    if year.closed_at is not None:
        blockers.append(f"Учебный год {year.name} уже закрыт.")
    last_period_end = session.scalar(
        select(func.max(ReportingPeriod.ends_on)).where(ReportingPeriod.school_year_id == year.id)
    )
    if last_period_end is not None and on <= last_period_end:
        blockers.append(
            f"Учебный год ещё идёт: последний период заканчивается {format_date(last_period_end)}."
        )
    if session.scalar(select(SchoolYear.id).where(SchoolYear.name == new_name)) is not None:
        blockers.append(f"Учебный год {new_name} уже создан.")
    if leavers_block_on is not None and leavers_block_on <= year.ends_on:
        blockers.append(
            "Учётные записи выпускников блокируются после конца учебного года: укажите день "
            f"позже {format_date(year.ends_on)}."
        )
    pupils = year_end_pupils(session, year)
    classes = list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade, SchoolClass.letter)
        )
    )
    teachers = {
        staff.id: staff.short_name
        for staff in session.scalars(
            select(Staff).where(Staff.id.in_([c.class_teacher_id for c in classes]))
        )
    }
    moves = []
    leaver_ids: list[int] = []
    for school_class in classes:
        members = pupils.get(school_class.id, [])
        if school_class.grade == LAST_GRADE:
            leaving = members
        elif school_class.grade == BASIC_LEVEL_GRADE:
            leaving = [m for m in members if m[0] in ninth_leavers]
        else:
            leaving = []
        leaver_ids += [student_id for student_id, _ in leaving]
        moving = len(members) - len(leaving)
        moves.append(
            ClassMove(
                name=school_class.name,
                new_name=f"{school_class.grade + 1}{school_class.letter}" if moving else None,
                class_teacher=teachers.get(school_class.class_teacher_id or 0),
                moving=moving,
                leaving=tuple(name for _, name in leaving),
            )
        )
    block_on = leavers_block_on or _default_block_on(year)
    open_groups = select(StudyGroup.id).where(StudyGroup.school_year_id == year.id)
    return RolloverPlan(
        year_name=year.name,
        new_year_name=new_name,
        new_starts_on=new_starts,
        new_ends_on=_a_year_later(year.ends_on),
        periods_to_close=tuple(p.name for p in periods_to_close(session, year)),
        year_grades=tuple(year_grades(session, year)),
        moves=tuple(moves),
        enrolments_ended=_count(
            session,
            select(func.count(Enrolment.id)).where(
                Enrolment.class_id.in_([c.id for c in classes]),
                (Enrolment.ends_on.is_(None)) | (Enrolment.ends_on > year.ends_on),
            ),
        ),
        groups_ended=_count(session, select(func.count()).select_from(open_groups.subquery())),
        memberships_ended=_count(
            session,
            select(func.count(GroupMembership.id)).where(
                GroupMembership.group_id.in_(open_groups),
                (GroupMembership.ends_on.is_(None)) | (GroupMembership.ends_on > year.ends_on),
            ),
        ),
        layouts=tuple(_layouts(session, year, moves)),
        leavers_block_on=block_on,
        leaver_accounts=len(accounts_of_leavers(session, leaver_ids)) if leaver_ids else 0,
        ninth_leavers=tuple(sorted(ninth_leavers)),
        blockers=tuple(blockers),
    )


def _count(session: Session, query: Select[int]) -> int:
    return int(session.scalar(query) or 0)


def _layouts(session: Session, year: SchoolYear, moves: list[ClassMove]) -> list[GroupLayout]:
    new_names = {move.name: move.new_name for move in moves if move.new_name}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for grade, letter, subject in session.execute(
        select(SchoolClass.grade, SchoolClass.letter, Subject.name)
        .join(StudyGroup, StudyGroup.class_id == SchoolClass.id)
        .join(Subject, Subject.id == StudyGroup.subject_id)
        .where(StudyGroup.school_year_id == year.id, StudyGroup.kind == GroupKind.SUBGROUP)
        .order_by(SchoolClass.grade, SchoolClass.letter, Subject.name)
    ):
        counts[(f"{grade}{letter}", subject)] += 1
    return [
        GroupLayout(name, new_names[name], subject, groups)
        for (name, subject), groups in counts.items()
        if name in new_names
    ]


@read_modify_write("the closing school year's row locked; a closed year is refused")
def apply_rollover(
    session: Session, actor: Actor, *, plan: RolloverPlan, on: date, now: datetime
) -> RolloverPlan:
    """Close the year and open the next exactly as `plan` (the dry run shown) says."""
    require(actor, Action.MANAGE_SCHOOL_YEAR)
    found = session.scalar(select(SchoolYear.id).where(SchoolYear.name == plan.year_name))
    if found is None:
        raise NotFound(f"Учебный год {plan.year_name} не найден.")
    # A second rollover at the same time waits here, then finds the year closed.
    (year,) = lock_rows(session, SchoolYear, [found])
    if year.closed_at is not None:
        raise DomainError(f"Учебный год {year.name} уже закрыт.")
    now_plan = _plan(session, year, on=on, ninth_leavers=set(plan.ninth_leavers),
                     leavers_block_on=plan.leavers_block_on)
    if now_plan.blockers:
        raise DomainError(" ".join(now_plan.blockers))
    if now_plan.digest != plan.digest:
        raise Conflict(
            "С момента просмотра плана данные изменились: откройте план заново и проверьте его."
        )
    with audit_context(session, reason=f"Переход на учебный год {plan.new_year_name}"):
        _close(session, year, actor=actor, now=now, block_on=plan.leavers_block_on)
        new_year = _open_next(session, year, plan)
        _promote(session, year, new_year, ninth_leavers=set(plan.ninth_leavers))
    session.flush()
    return now_plan


def _close(
    session: Session, year: SchoolYear, *, actor: Actor, now: datetime, block_on: date
) -> None:
    for period in periods_to_close(session, year):
        period.is_closed = True
    year_groups = select(StudyGroup.id).where(StudyGroup.school_year_id == year.id)
    year_classes = select(SchoolClass.id).where(SchoolClass.school_year_id == year.id)
    # ORM rows (not bulk UPDATEs), so every ended link gets its audit row.
    for enrolment in session.scalars(
        select(Enrolment).where(
            Enrolment.class_id.in_(year_classes),
            (Enrolment.ends_on.is_(None)) | (Enrolment.ends_on > year.ends_on),
        )
    ):
        enrolment.ends_on = year.ends_on
    for membership in session.scalars(
        select(GroupMembership).where(
            GroupMembership.group_id.in_(year_groups),
            (GroupMembership.ends_on.is_(None)) | (GroupMembership.ends_on > year.ends_on),
        )
    ):
        membership.ends_on = year.ends_on
    year.closed_at = now
    year.closed_by = actor.login
    year.leavers_block_on = block_on
    year.is_current = False
    session.flush()


def _open_next(session: Session, year: SchoolYear, plan: RolloverPlan) -> SchoolYear:
    new_year = SchoolYear(
        name=plan.new_year_name,
        starts_on=plan.new_starts_on,
        ends_on=plan.new_ends_on,
        is_current=True,
    )
    session.add(new_year)
    session.flush()
    session.add_all(_a_year_on(session, ReportingPeriod, year.id, new_year.id))
    session.add_all(_a_year_on(session, Holiday, year.id, new_year.id))
    session.flush()
    return new_year


def _promote(
    session: Session, year: SchoolYear, new_year: SchoolYear, *, ninth_leavers: set[int]
) -> None:
    pupils = year_end_pupils(session, year)
    for school_class in session.scalars(
        select(SchoolClass)
        .where(SchoolClass.school_year_id == year.id, SchoolClass.grade < LAST_GRADE)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ):
        moving = [
            student_id
            for student_id, _ in pupils.get(school_class.id, [])
            if school_class.grade != BASIC_LEVEL_GRADE or student_id not in ninth_leavers
        ]
        if not moving:
            continue
        new_class = SchoolClass(
            school_year_id=new_year.id,
            grade=school_class.grade + 1,
            letter=school_class.letter,
            class_teacher_id=school_class.class_teacher_id,
        )
        session.add(new_class)
        session.flush()
        for student in session.scalars(select(Student).where(Student.id.in_(moving))):
            enrol_student(session, student=student, school_class=new_class,
                          on=new_year.starts_on)
    session.flush()
