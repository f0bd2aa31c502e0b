"""Closing a school year: its periods, its year grades, and its leavers' accounts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.audit.log import audit_context
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.journal import PeriodGrade
from klassruk.models.school import (
    Enrolment,
    GuardianLink,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
    full_name,
)
from klassruk.services.credentials.codes import open_codes
from klassruk.services.locking import lock_rows


@dataclass(frozen=True)
class YearGrades:
    """A class's subject at the year's end: pupils with a grade for every period, and the rest."""

    class_name: str
    subject_name: str
    present: int
    missing: tuple[str, ...]


def periods_to_close(session: Session, year: SchoolYear) -> list[ReportingPeriod]:
    """The year's periods still open, in order."""
    return list(
        session.scalars(
            select(ReportingPeriod)
            .where(ReportingPeriod.school_year_id == year.id, ~ReportingPeriod.is_closed)
            .order_by(ReportingPeriod.starts_on)
        )
    )


def year_end_pupils(session: Session, year: SchoolYear) -> dict[int, list[tuple[int, str]]]:
    """Per class of the year: (student id, name) of its pupils on the year's last day."""
    pupils: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = session.execute(
        select(
            Enrolment.class_id, Student.id, Student.last_name, Student.first_name,
            Student.middle_name,
        )
        .join(Student, Student.id == Enrolment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(
            SchoolClass.school_year_id == year.id,
            Enrolment.starts_on <= year.ends_on,
            or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= year.ends_on),
        )
        .order_by(Student.last_name, Student.first_name, Student.id)
    )
    for class_id, student_id, last, first, middle in rows:
        pupils[class_id].append((student_id, full_name(last, first, middle)))
    return pupils


def year_grades(session: Session, year: SchoolYear) -> list[YearGrades]:
    """Per class with marks and subject taught in it: who has a grade for every period."""
    periods = list(
        session.scalars(
            select(ReportingPeriod.id).where(ReportingPeriod.school_year_id == year.id)
        )
    )
    classes = list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_year_id == year.id, ~SchoolClass.without_marks)
            .order_by(SchoolClass.grade, SchoolClass.letter)
        )
    )
    subjects_of: dict[int | None, list[tuple[int, str]]] = defaultdict(list)
    for class_id, subject_id, name in session.execute(
        select(StudyGroup.class_id, Subject.id, Subject.name)
        .distinct()
        .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(StudyGroup.school_year_id == year.id, StudyGroup.class_id.is_not(None))
        .order_by(Subject.name)
    ):
        subjects_of[class_id].append((subject_id, name))
    # One GROUP BY for the whole year: periods graded per pupil and subject.
    graded: dict[tuple[int, int], int] = {
        (student_id, subject_id): count
        for student_id, subject_id, count in session.execute(
            select(PeriodGrade.student_id, PeriodGrade.subject_id, func.count(PeriodGrade.id))
            .where(PeriodGrade.period_id.in_(periods))
            .group_by(PeriodGrade.student_id, PeriodGrade.subject_id)
        )
    }
    pupils = year_end_pupils(session, year)
    result = []
    for school_class in classes:
        for subject_id, subject_name in subjects_of.get(school_class.id, []):
            missing = tuple(
                name
                for student_id, name in pupils.get(school_class.id, [])
                if graded.get((student_id, subject_id), 0) < len(periods)
            )
            present = len(pupils.get(school_class.id, [])) - len(missing)
            result.append(YearGrades(school_class.name, subject_name, present, missing))
    return result


def leaver_accounts(session: Session, year: SchoolYear) -> list[UserAccount]:
    """Accounts of the year's leavers (no class in a later year) and of their guardians."""
    later = (
        select(Enrolment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(SchoolYear.starts_on > year.starts_on)
    )
    leavers = (
        select(Enrolment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(SchoolClass.school_year_id == year.id, Enrolment.student_id.not_in(later))
    )
    return accounts_of_leavers(session, leavers)


def accounts_of_leavers(
    session: Session, leavers: Select[int] | list[int]
) -> list[UserAccount]:
    """Unblocked accounts of these pupils and of guardians with no other child in force."""
    staying_children = select(GuardianLink.guardian_id).where(
        GuardianLink.ends_on.is_(None), GuardianLink.student_id.not_in(leavers)
    )
    guardians_of_leavers = select(GuardianLink.guardian_id).where(
        GuardianLink.student_id.in_(leavers), GuardianLink.guardian_id.not_in(staying_children)
    )
    return list(
        session.scalars(
            select(UserAccount)
            .where(
                or_(
                    UserAccount.student_id.in_(leavers),
                    UserAccount.guardian_id.in_(guardians_of_leavers),
                ),
                UserAccount.staff_id.is_(None),
                UserAccount.status != AccountStatus.BLOCKED,
            )
            .order_by(UserAccount.id)
        )
    )


def _due_years(session: Session, on: date) -> list[SchoolYear]:
    return list(
        session.scalars(
            select(SchoolYear).where(
                SchoolYear.closed_at.is_not(None),
                SchoolYear.leavers_block_on <= on,
                SchoolYear.leavers_blocked_at.is_(None),
            )
        )
    )


def due_leaver_accounts(session: Session, *, on: date) -> list[UserAccount]:
    """Leavers' accounts of closed years whose blocking day has come and not been done."""
    due: dict[int, UserAccount] = {}
    for year in _due_years(session, on):
        due.update((account.id, account) for account in leaver_accounts(session, year))
    return [due[key] for key in sorted(due)]


def block_due_leavers(session: Session, actor: Actor, *, on: date, now: datetime) -> int:
    """Block, once per closed year, its leavers' accounts when their day has come; how many."""
    require(actor, Action.MANAGE_SCHOOL_YEAR)
    # The years first: a second run at the same time waits, then finds them done.
    years = lock_rows(session, SchoolYear, [year.id for year in _due_years(session, on)])
    years = [year for year in years if year.leavers_blocked_at is None]
    due = {
        account.id for year in years for account in leaver_accounts(session, year)
    }
    # Locked like a manual block, so an unblock or a report at the same time waits.
    accounts = lock_rows(session, UserAccount, due)
    blocked = 0
    with audit_context(session, reason="Выпуск: учебный год закрыт, срок доступа истёк"):
        for account in accounts:
            if account.status is AccountStatus.BLOCKED:
                continue
            account.status = AccountStatus.BLOCKED
            account.sessions_valid_after = now
            for code in open_codes(session, [account.id]):
                code.revoked_at = now
            blocked += 1
        for year in years:
            year.leavers_blocked_at = now
    session.flush()
    return blocked
