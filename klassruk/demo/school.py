"""Writing the planned demo school into an empty database, then the writers of its details."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.logins import make_login
from klassruk.access.passwords import hash_password
from klassruk.access.permissions import ROLE_TITLES, Actor, Role
from klassruk.clock import school_today
from klassruk.demo.activity import seed_demo_activity
from klassruk.demo.catalogue import (
    CURRICULUM,
    DEFAULT,
    DEMO_PASSWORD,
    FEATURED_LOGINS,
    GUARDIAN_LOGIN,
    SETTINGS,
    STUDENT_LOGIN,
    TIMEZONE,
    UNMARKED_GRADES,
    DemoSize,
    DemoYear,
    demo_year,
)
from klassruk.demo.consent import seed_demo_consent
from klassruk.demo.credentials import DemoState, seed_demo_credentials
from klassruk.demo.family import seed_demo_family
from klassruk.demo.groups import seed_demo_groups
from klassruk.demo.journal import seed_demo_journal
from klassruk.demo.plan import PersonPlan, SchoolPlan, plan_school
from klassruk.errors import DomainError
from klassruk.models.accounts import AccountStatus, AppSetting, UserAccount, UserRole
from klassruk.models.school import (
    GroupKind,
    Guardian,
    GuardianLink,
    Holiday,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.groups.queries import enrolment_rows
from klassruk.setup import claim_empty_database

INSERT_BATCH = 2000


@dataclass(frozen=True)
class DemoAccount:
    """A featured demo account shown on the login page."""

    login: str
    role_title: str
    display_name: str


@dataclass(frozen=True)
class DemoSchool:
    """What was seeded: the featured accounts and the head counts."""

    featured: list[DemoAccount]
    classes: int
    students: int
    guardians: int
    staff: int
    accounts: int


def _featured_title(roles: Iterable[Role]) -> str:
    # A class teacher also teaches: name the role the account is featured for.
    roles = set(roles)
    top_role = min(roles - {Role.TEACHER} or roles, key=list(Role).index)
    return ROLE_TITLES[top_role]


def featured_accounts(session: Session) -> list[DemoAccount]:
    """The featured demo accounts present in the database, for the login page."""
    users = {
        user.login: user
        for user in session.scalars(
            select(UserAccount).where(UserAccount.login.in_(FEATURED_LOGINS))
        )
    }
    return [
        DemoAccount(login, _featured_title(users[login].roles), users[login].display_name)
        for login in FEATURED_LOGINS
        if login in users
    ]


def _public_days_off(year: DemoYear) -> list[tuple[date, str]]:
    calendar = holidays.country_holidays(
        "RU", years=(year.starts_on.year, year.ends_on.year), language="ru"
    )
    days: list[tuple[date, str]] = []
    for day, name in sorted(calendar.items()):
        if not year.starts_on <= day <= year.ends_on or day.weekday() >= 5:
            continue
        if any(start <= day <= end for _, start, end in year.vacations):
            continue
        days.append((day, name))
    return days


def _insert(session: Session, rows: Sequence[object]) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        session.add_all(rows[start : start + INSERT_BATCH])
        session.flush()


_MISSING = object()


def seed_demo_school(
    session: Session, *, size: DemoSize = DEFAULT, today: date | None = None
) -> DemoSchool:
    """Fill an empty database with the demo school; periods ended before `today` are closed."""
    actor = session.info.get("actor")
    if not isinstance(actor, Actor) or not actor.is_system:
        raise DomainError("Демо-школу создаёт только системный процесс.")
    # Only an empty database: seeding a real school would publish the demo password for
    # ~1,500 accounts and switch its login page to demo mode.
    claim_empty_database(session)
    taken = set(session.scalars(select(UserAccount.login)))
    plan = plan_school(size)
    taken.update(FEATURED_LOGINS)

    today = today or school_today(TIMEZONE)
    previous = session.info.get("audit", _MISSING)
    # Demo rows need no audit trail, and auditing 30 000 inserts would dominate the time.
    session.info["audit"] = False
    try:
        school = _write_plan(session, plan, taken, today)
        session.flush()
        seed_demo_groups(session)
        session.flush()
        states = seed_demo_credentials(session, today)
        seed_demo_journal(session, today, size.seed)
        seed_demo_family(session, guardian_login=GUARDIAN_LOGIN, today=today)
        seed_demo_consent(session, today)
        seed_demo_activity(session, today=today, seed=size.seed, skip_login=GUARDIAN_LOGIN)
        school = replace(school, accounts=school.accounts - states[DemoState.NO_ACCOUNT])
    finally:
        if previous is _MISSING:
            session.info.pop("audit", None)
        else:
            session.info["audit"] = previous
    return school


def _write_plan(session: Session, plan: SchoolPlan, taken: set[str], today: date) -> DemoSchool:
    dates = demo_year(today)
    year = SchoolYear(
        name=dates.name, starts_on=dates.starts_on, ends_on=dates.ends_on, is_current=True
    )
    subjects = {name: Subject(name=name, short_name=short) for name, short, _ in CURRICULUM}
    staff_rows = [
        Staff(
            last_name=s.person.last_name,
            first_name=s.person.first_name,
            middle_name=s.person.middle_name,
            position=s.position,
            email=s.person.email,
            phone=s.person.phone,
        )
        for s in plan.staff
    ]
    _insert(session, [year, *subjects.values(), *staff_rows])
    _add_calendar(session, year, dates, today)
    class_rows = [
        SchoolClass(
            school_year_id=year.id,
            grade=grade,
            letter=letter,
            class_teacher_id=staff_rows[plan.class_teachers[i]].id,
            without_marks=grade in UNMARKED_GRADES,
        )
        for i, (grade, letter) in enumerate(plan.classes)
    ]
    _insert(session, class_rows)
    people = _write_people(session, plan, year, class_rows)
    _write_links(session, plan, people, class_rows, subjects, staff_rows, year.starts_on)
    accounts = _DemoAccounts(taken)
    accounts.write(session, plan, staff_rows, people)
    _write_settings(session)
    return DemoSchool(
        featured=[accounts.featured[login] for login in FEATURED_LOGINS],
        classes=len(class_rows),
        students=len(people.students),
        guardians=len(people.guardian_of),
        staff=len(staff_rows),
        accounts=accounts.count,
    )


def _add_calendar(session: Session, year: SchoolYear, dates: DemoYear, today: date) -> None:
    """Reporting periods (those ended before `today` closed), vacations and public days off."""
    session.add_all(
        ReportingPeriod(
            school_year_id=year.id,
            name=name,
            starts_on=start,
            ends_on=end,
            is_closed=end < today,
        )
        for name, start, end in dates.periods
    )
    session.add_all(
        Holiday(school_year_id=year.id, name=name, starts_on=start, ends_on=end)
        for name, start, end in dates.vacations
    )
    session.add_all(
        Holiday(school_year_id=year.id, name=name, starts_on=day, ends_on=day)
        for day, name in _public_days_off(dates)
    )


@dataclass(frozen=True)
class _People:
    """The written whole-class groups, students and guardians (by the planned person's id)."""

    groups: list[StudyGroup]
    students: list[Student]
    guardian_of: dict[int, Guardian]


def _write_people(
    session: Session, plan: SchoolPlan, year: SchoolYear, class_rows: list[SchoolClass]
) -> _People:
    group_rows = [
        StudyGroup(
            school_year_id=year.id,
            class_id=row.id,
            subject_id=None,
            kind=GroupKind.WHOLE_CLASS,
            name=f"{row.grade}{row.letter} — весь класс",
        )
        for row in class_rows
    ]
    student_rows = [
        Student(
            last_name=c.person.last_name,
            first_name=c.person.first_name,
            middle_name=c.person.middle_name,
            birth_date=c.birth_date,
        )
        for c in plan.children
    ]
    guardian_of = {
        id(person): Guardian(
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            email=person.email,
            phone=person.phone,
        )
        for family in plan.families
        for person, _ in family.guardians
    }
    _insert(session, [*group_rows, *student_rows, *guardian_of.values()])
    return _People(group_rows, student_rows, guardian_of)


def _write_links(
    session: Session,
    plan: SchoolPlan,
    people: _People,
    class_rows: list[SchoolClass],
    subjects: dict[str, Subject],
    staff_rows: list[Staff],
    year_starts: date,
) -> None:
    """Enrolments, whole-class memberships, guardian links and the teaching load."""
    links: list[object] = []
    for child, student in zip(plan.children, people.students, strict=True):
        links += enrolment_rows(
            student=student,
            school_class=class_rows[child.class_index],
            whole_class=people.groups[child.class_index],
            on=year_starts,
        )
        for person, relation in child.family.guardians:
            links.append(
                GuardianLink(
                    guardian_id=people.guardian_of[id(person)].id,
                    student_id=student.id,
                    relation=relation,
                )
            )
    for class_index, subject, hours, teacher in plan.assignments:
        links.append(
            TeachingAssignment(
                staff_id=staff_rows[teacher].id,
                subject_id=subjects[subject].id,
                group_id=people.groups[class_index].id,
                hours_per_week=hours,
            )
        )
    _insert(session, links)


class _DemoAccounts:
    """Active accounts with the demo password for everyone; the featured ones get fixed logins."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.featured: dict[str, DemoAccount] = {}
        self.count = 0

    def write(
        self, session: Session, plan: SchoolPlan, staff_rows: list[Staff], people: _People
    ) -> None:
        """Accounts of the staff, then the guardians, then the students."""
        accounts: list[UserAccount] = []
        for index, (member, staff_row) in enumerate(zip(plan.staff, staff_rows, strict=True)):
            login = plan.featured_staff.get(index)
            staff_id = staff_row.id
            accounts.append(self._account(member.person, login, member.roles, staff_id=staff_id))
        for family in plan.families:
            for person, _ in family.guardians:
                login = GUARDIAN_LOGIN if person is plan.featured_guardian else None
                guardian_id = people.guardian_of[id(person)].id
                accounts.append(
                    self._account(person, login, {Role.GUARDIAN}, guardian_id=guardian_id)
                )
        for child, student in zip(plan.children, people.students, strict=True):
            login = STUDENT_LOGIN if child.person is plan.featured_child else None
            accounts.append(
                self._account(child.person, login, {Role.STUDENT}, student_id=student.id)
            )
        _insert(session, accounts)
        self.count = len(accounts)

    def _account(
        self, person: PersonPlan, login: str | None, roles: set[Role], **owner: int
    ) -> UserAccount:
        if login is None:
            login = make_login(person.last_name, person.first_name, self.taken)
        else:
            self.featured[login] = DemoAccount(login, _featured_title(roles), person.full_name)
        return UserAccount(
            login=login,
            display_name=person.full_name,
            password_hash=self.password_hash,
            status=AccountStatus.ACTIVE,
            must_change_password=False,
            role_rows=[UserRole(role=role) for role in sorted(roles)],
            **owner,
        )


def _write_settings(session: Session) -> None:
    for key, value in SETTINGS.items():
        setting = session.get(AppSetting, key)
        if setting is None:
            session.add(AppSetting(key=key, value=value))
        else:
            setting.value = value
