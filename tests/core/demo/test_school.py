"""The demo school: deterministic, realistic, complete, quick, and never seeded twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.passwords import check_password_policy, verify_password
from klassruk.access.permissions import Actor, Role
from klassruk.demo import DemoSchool, seed_demo_school
from klassruk.demo.catalogue import (
    CURRICULUM,
    DEMO_PASSWORD,
    FEATURED_LOGINS,
    MAX_LOAD,
    PATRONYMICS,
    SMALL,
    SPLIT_SUBJECTS,
    DemoSize,
)
from klassruk.errors import DomainError
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.infra.settings import PROJECT_ROOT
from klassruk.models import AuditLog, Base
from klassruk.models.accounts import AppSetting, UserAccount, UserRole
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    Guardian,
    GuardianLink,
    Holiday,
    Relation,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)

FOUR_CLASSES = DemoSize(grades=(5, 7), classes_per_grade=2, students_per_class=10)


def count(session: Session, model: type[Base]) -> int:
    """Rows of one table."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def user(session: Session, login: str) -> UserAccount:
    """The account with this login; fails the test if missing."""
    account = session.scalar(select(UserAccount).where(UserAccount.login == login))
    assert account is not None, login
    return account


def class_ids_of(session: Session, student_ids: list[int]) -> set[int]:
    """The classes these students are enrolled in."""
    return set(
        session.scalars(select(Enrolment.class_id).where(Enrolment.student_id.in_(student_ids)))
    )


def fingerprint(session: Session) -> list[list[object]]:
    """Everything name-like the seed produced, in insertion order."""
    rows: list[list[object]] = []
    for account in session.scalars(select(UserAccount).order_by(UserAccount.id)):
        rows.append([account.login, account.display_name, sorted(account.roles)])
    for student in session.scalars(select(Student).order_by(Student.id)):
        rows.append([student.full_name, student.birth_date.isoformat()])
    for guardian in session.scalars(select(Guardian).order_by(Guardian.id)):
        rows.append([guardian.full_name, guardian.phone, guardian.email])
    for staff in session.scalars(select(Staff).order_by(Staff.id)):
        rows.append([staff.full_name, staff.position, staff.email])
    for link in session.scalars(select(GuardianLink).order_by(GuardianLink.id)):
        rows.append([link.guardian_id, link.student_id, link.relation.value])
    for assignment in session.scalars(select(TeachingAssignment).order_by(TeachingAssignment.id)):
        rows.append(
            [
                assignment.staff_id,
                assignment.subject_id,
                assignment.group_id,
                assignment.hours_per_week,
            ]
        )
    return rows


def test_small_school_has_the_expected_counts(session: Session) -> None:
    school = seed_demo_school(session, size=SMALL)

    assert (school.classes, school.students) == (2, 12)
    assert count(session, SchoolClass) == 2
    assert count(session, Student) == 12
    assert count(session, Enrolment) == 12
    whole_class = select(StudyGroup.id).where(StudyGroup.kind == GroupKind.WHOLE_CLASS)
    assert len(session.scalars(whole_class).all()) == 2
    assert (
        session.scalar(
            select(func.count())
            .select_from(GroupMembership)
            .where(GroupMembership.group_id.in_(whole_class))
        )
        == 12
    )
    assert count(session, Guardian) == school.guardians
    assert count(session, Staff) == school.staff
    # Everyone has an account but the few the demo leaves without one for the class teacher.
    people = school.staff + school.guardians + school.students
    assert people - 3 <= school.accounts < people
    assert count(session, UserAccount) == school.accounts
    # 1–2 guardians per child; siblings share theirs, so guardians < 2 × students.
    assert school.students <= school.guardians < 2 * school.students
    per_child = Counter(session.scalars(select(GuardianLink.student_id)))
    assert set(per_child.values()) <= {1, 2} and len(per_child) == 12
    subjects_taught = sum(1 for _, _, hours in CURRICULUM for g in (5, 7) if hours[g - 1])
    # Split subjects are taught per subgroup: two assignments instead of one.
    split_taught = sum(
        1
        for name, _, hours in CURRICULUM
        for g in (5, 7)
        if hours[g - 1] and name in SPLIT_SUBJECTS
    )
    class_and_subgroup_load = (
        select(func.count())
        .select_from(TeachingAssignment)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .where(StudyGroup.kind.in_([GroupKind.WHOLE_CLASS, GroupKind.SUBGROUP]))
    )
    assert session.scalar(class_and_subgroup_load) == subjects_taught + split_taught
    assert count(session, Subject) == len(CURRICULUM)
    assert [c.name for c in session.scalars(select(SchoolClass).order_by(SchoolClass.id))] == [
        "5А",
        "7А",
    ]


def test_the_school_year_periods_and_holidays(session: Session) -> None:
    seed_demo_school(session, size=SMALL)

    year = session.scalars(select(SchoolYear)).one()
    assert (year.name, year.starts_on, year.ends_on, year.is_current) == (
        "2026/2027",
        date(2026, 9, 1),
        date(2027, 5, 31),
        True,
    )
    periods = session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.starts_on)).all()
    assert [(p.name, p.starts_on, p.ends_on, p.is_closed) for p in periods] == [
        ("1 четверть", date(2026, 9, 1), date(2026, 10, 24), True),
        ("2 четверть", date(2026, 11, 5), date(2026, 12, 28), False),
        ("3 четверть", date(2027, 1, 12), date(2027, 3, 20), False),
        ("4 четверть", date(2027, 3, 30), date(2027, 5, 31), False),
    ]
    days = {h.starts_on: h for h in session.scalars(select(Holiday))}
    assert days[date(2026, 10, 25)].ends_on == date(2026, 11, 4)
    assert days[date(2026, 12, 29)].ends_on == date(2027, 1, 11)
    assert days[date(2027, 3, 21)].ends_on == date(2027, 3, 29)
    assert days[date(2027, 2, 23)].name == "День защитника Отечества"
    assert days[date(2027, 3, 8)].ends_on == date(2027, 3, 8)
    # Unity Day falls inside the autumn holidays; 1 May 2027 is a Saturday.
    assert date(2026, 11, 4) not in days
    assert date(2027, 5, 1) not in days
    assert all(day.weekday() < 5 for day, h in days.items() if h.starts_on == h.ends_on)
    settings = {s.key: s.value for s in session.scalars(select(AppSetting))}
    assert settings["timezone"] == "Europe/Moscow"
    assert settings["demo_mode"] == "1"
    assert "школа" in settings["school_name"]


def test_periods_ended_before_today_are_closed(session: Session) -> None:
    seed_demo_school(session, size=SMALL, today=date(2027, 2, 1))

    closed = session.scalars(
        select(ReportingPeriod.name)
        .where(ReportingPeriod.is_closed)
        .order_by(ReportingPeriod.starts_on)
    ).all()
    assert closed == ["1 четверть", "2 четверть"]


def test_seeding_is_deterministic_across_databases(session: Session, tmp_path: Path) -> None:
    seed_demo_school(session, size=FOUR_CLASSES)
    first = fingerprint(session)

    engine = make_engine(f"sqlite:///{tmp_path / 'second.sqlite3'}")
    Base.metadata.create_all(engine)
    other = make_session_factory(engine)()
    other.info["actor"] = Actor.system("test")
    try:
        seed_demo_school(other, size=FOUR_CLASSES)
        second = fingerprint(other)
    finally:
        other.close()
        engine.dispose()

    assert first == second
    assert len(first) > 100


DIGEST_SCRIPT = """
import hashlib, json, os
from sqlalchemy import select
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.demo import SMALL, seed_demo_school
from klassruk.models import Base, Guardian, Student, UserAccount
from klassruk.access.permissions import Actor
engine = make_engine("sqlite://")
Base.metadata.create_all(engine)
session = make_session_factory(engine)()
session.info["actor"] = Actor.system("test")
seed_demo_school(session, size=SMALL)
rows = [
    [[u.login, u.display_name] for u in session.scalars(select(UserAccount).order_by("id"))],
    [[s.full_name, str(s.birth_date)] for s in session.scalars(select(Student).order_by("id"))],
    [[g.full_name, g.phone, g.email] for g in session.scalars(select(Guardian).order_by("id"))],
]
print(hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest())
"""


def test_seeding_does_not_depend_on_the_process_hash_seed() -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "KLASSRUK_PASSWORD_HASH_COST": "test"}
        result = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", digests.pop())


def test_a_different_seed_gives_a_different_school(session: Session, tmp_path: Path) -> None:
    seed_demo_school(session, size=SMALL)
    first = fingerprint(session)
    engine = make_engine(f"sqlite:///{tmp_path / 'other-seed.sqlite3'}")
    Base.metadata.create_all(engine)
    other = make_session_factory(engine)()
    other.info["actor"] = Actor.system("test")
    try:
        seed_demo_school(
            other, size=DemoSize(grades=(5, 7), classes_per_grade=1, students_per_class=6, seed=7)
        )
        assert fingerprint(other) != first
    finally:
        other.close()
        engine.dispose()


def test_every_enrolled_student_is_in_the_whole_class_group(session: Session) -> None:
    seed_demo_school(session, size=FOUR_CLASSES)

    groups = session.scalars(
        select(StudyGroup).where(StudyGroup.kind == GroupKind.WHOLE_CLASS)
    ).all()
    assert len(groups) == 4
    for group in groups:
        assert group.kind == GroupKind.WHOLE_CLASS
        assert group.subject_id is None
        assert group.school_class is not None
        assert group.name == f"{group.school_class.name} — весь класс"
    enrolments = session.execute(select(Enrolment.student_id, Enrolment.class_id))
    enrolled = {tuple(row) for row in enrolments}
    in_group = {
        tuple(row)
        for row in session.execute(
            select(GroupMembership.student_id, StudyGroup.class_id)
            .join(StudyGroup, StudyGroup.id == GroupMembership.group_id)
            .where(
                StudyGroup.kind == GroupKind.WHOLE_CLASS,
                GroupMembership.starts_on == date(2026, 9, 1),
                GroupMembership.ends_on.is_(None),
            )
        )
    }
    assert len(enrolled) == 40
    assert in_group == enrolled
    starts = set(session.scalars(select(Enrolment.starts_on)))
    assert starts == {date(2026, 9, 1)}
    assert session.scalar(select(func.count()).where(Enrolment.ends_on.is_not(None))) == 0


def test_featured_accounts_exist_with_their_roles(session: Session) -> None:
    school = seed_demo_school(session, size=SMALL)

    assert [a.login for a in school.featured] == list(FEATURED_LOGINS)
    titles = {a.login: a.role_title for a in school.featured}
    assert titles["klassruk"] == "Классный руководитель"
    assert titles["roditel"] == "Родитель (законный представитель)"
    expected = {
        "admin": {Role.ADMIN},
        "zavuch": {Role.DEPUTY_HEAD},
        "uchitel": {Role.TEACHER},
        "klassruk": {Role.TEACHER, Role.CLASS_TEACHER},
        "roditel": {Role.GUARDIAN},
        "uchenik": {Role.STUDENT},
    }
    for account in school.featured:
        row = user(session, account.login)
        assert row.roles == expected[account.login]
        assert row.display_name == account.display_name

    assert user(session, "zavuch").staff.position == "Заместитель директора по УВР"
    plain = user(session, "uchitel")
    assert (
        session.scalar(select(func.count()).where(SchoolClass.class_teacher_id == plain.staff_id))
        == 0
    )
    assert session.scalar(select(func.count()).where(TeachingAssignment.staff_id == plain.staff_id))
    seventh = session.scalars(
        select(SchoolClass).where(SchoolClass.grade == 7, SchoolClass.letter == "А")
    ).one()
    assert seventh.class_teacher_id == user(session, "klassruk").staff_id
    pupil = user(session, "uchenik")
    assert class_ids_of(session, [pupil.student_id]) == {seventh.id}
    parent = user(session, "roditel")
    children = session.scalars(
        select(GuardianLink.student_id).where(GuardianLink.guardian_id == parent.guardian_id)
    ).all()
    assert pupil.student_id in children
    # The featured parent shows off the two-classes case.
    assert len(class_ids_of(session, list(children))) == 2


def test_the_demo_password_opens_featured_accounts_and_fits_the_policy(session: Session) -> None:
    school = seed_demo_school(session, size=SMALL)

    for account in school.featured:
        row = user(session, account.login)
        assert verify_password(DEMO_PASSWORD, row.password_hash or "")
        assert not verify_password("Демо-пароль-2025", row.password_hash or "")
        assert row.must_change_password is False
    logins = session.scalars(select(UserAccount.login)).all()
    for login in logins:
        check_password_policy(DEMO_PASSWORD, login=login)
        assert re.fullmatch(r"[a-z0-9.]+", login), login
    # One password hash shared by every demo account: seeding the large school stays quick.
    assert session.scalar(select(func.count(func.distinct(UserAccount.password_hash)))) == 1


def test_accounts_carry_the_right_roles(session: Session) -> None:
    school = seed_demo_school(session, size=FOUR_CLASSES)

    roles = Counter(session.scalars(select(UserRole.role)))
    class_teachers = count(session, SchoolClass)
    # A few families of the featured class are left without an account, as at a real start.
    assert roles[Role.STUDENT] + roles[Role.GUARDIAN] == school.accounts - school.staff
    assert school.students - 3 <= roles[Role.STUDENT] <= school.students
    assert school.guardians - 3 <= roles[Role.GUARDIAN] <= school.guardians
    assert roles[Role.CLASS_TEACHER] == class_teachers
    assert roles[Role.TEACHER] == school.staff - 2
    assert roles[Role.ADMIN] == roles[Role.DEPUTY_HEAD] == 1
    linked = session.scalar(
        select(func.count()).where(
            (UserAccount.staff_id.is_not(None))
            | (UserAccount.guardian_id.is_not(None))
            | (UserAccount.student_id.is_not(None))
        )
    )
    assert linked == school.accounts


def test_some_guardian_has_children_in_two_classes(session: Session) -> None:
    school = seed_demo_school(session, size=FOUR_CLASSES)

    classes_of_guardian: dict[int, set[int]] = {}
    rows = session.execute(
        select(GuardianLink.guardian_id, Enrolment.class_id).join(
            Enrolment, Enrolment.student_id == GuardianLink.student_id
        )
    )
    for guardian_id, class_id in rows:
        classes_of_guardian.setdefault(guardian_id, set()).add(class_id)
    shared = [g for g, classes in classes_of_guardian.items() if len(classes) == 2]
    assert shared
    for guardian_id in shared:
        first, second = session.scalars(
            select(Student.birth_date)
            .join(GuardianLink, GuardianLink.student_id == Student.id)
            .where(GuardianLink.guardian_id == guardian_id)
        ).all()
        assert first is not None and second is not None
        # Twins in parallel classes, or born far enough apart to be siblings.
        assert first == second or abs((first - second).days) >= 300
    # Siblings are a minority, as in a real school (about 5–8 % of students).
    children_per_guardian = Counter(session.scalars(select(GuardianLink.guardian_id)))
    siblings = sum(1 for n in children_per_guardian.values() if n > 1)
    assert 0 < siblings < school.guardians // 5


def test_people_look_real(session: Session) -> None:
    seed_demo_school(session, size=FOUR_CLASSES)

    for guardian in session.scalars(select(Guardian)):
        assert re.fullmatch(r"\+79\d{9}", guardian.phone or ""), guardian.phone
        assert guardian.middle_name
    emails = session.scalars(select(Guardian.email)).all()
    missing = sum(1 for e in emails if e is None)
    assert 0 < missing < len(emails) // 2
    assert all(e.endswith(".example") for e in emails if e)
    for staff in session.scalars(select(Staff)):
        assert staff.middle_name and staff.email and staff.email.endswith("@school.example")
    for father, child in session.execute(
        select(Guardian, Student)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianLink.student_id)
        .where(GuardianLink.relation == Relation.FATHER)
    ):
        assert child.middle_name in PATRONYMICS[father.first_name]
        assert father.last_name[:4] == child.last_name[:4]
    for grade, born in session.execute(
        select(SchoolClass.grade, Student.birth_date)
        .join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .join(Student, Student.id == Enrolment.student_id)
    ):
        assert born is not None and born.year == 2020 - grade


def test_teachers_carry_a_realistic_load(session: Session) -> None:
    seed_demo_school(session, size=DemoSize(students_per_class=3))

    loads = session.execute(
        select(TeachingAssignment.staff_id, func.sum(TeachingAssignment.hours_per_week)).group_by(
            TeachingAssignment.staff_id
        )
    ).all()
    assert max(hours for _, hours in loads) <= MAX_LOAD
    assert count(session, SchoolClass) == 22
    subjects_by_teacher: dict[int, set[str]] = {}
    for staff_id, short_name in session.execute(
        select(TeachingAssignment.staff_id, Subject.name).join(Subject)
    ):
        subjects_by_teacher.setdefault(staff_id, set()).add(short_name)
    for teacher in session.scalars(select(Staff).where(Staff.id.in_(subjects_by_teacher))):
        taught = subjects_by_teacher[teacher.id]
        if teacher.position == "Учитель начальных классов":
            assert {"Русский язык", "Математика", "Окружающий мир"} <= taught
        elif teacher.position == "Учитель математики":
            assert taught <= {"Математика", "Алгебра", "Геометрия", "Вероятность и статистика"}
        else:
            assert len(taught) <= 2, (teacher.position, taught)
    # A class teacher teaches the own class (the whole class or one of its subgroups).
    for school_class in session.scalars(select(SchoolClass)):
        class_groups = select(StudyGroup.id).where(StudyGroup.class_id == school_class.id)
        teachers = set(
            session.scalars(
                select(TeachingAssignment.staff_id).where(
                    TeachingAssignment.group_id.in_(class_groups)
                )
            )
        )
        assert school_class.class_teacher_id in teachers


def test_seeding_writes_no_audit_rows_and_restores_auditing(session: Session) -> None:
    assert "audit" not in session.info
    seed_demo_school(session, size=SMALL)

    assert count(session, AuditLog) == 0
    assert "audit" not in session.info
    session.add(Subject(name="Астрономия", short_name="Астрономия"))
    session.flush()
    assert count(session, AuditLog) == 1


def test_an_explicit_audit_setting_is_restored(session: Session) -> None:
    session.info["audit"] = True
    seed_demo_school(session, size=SMALL)
    assert session.info["audit"] is True
    assert count(session, AuditLog) == 0


def test_a_second_seed_is_refused_and_changes_nothing(session: Session) -> None:
    school = seed_demo_school(session, size=SMALL)

    with pytest.raises(DomainError, match="только в пустой базе"):
        seed_demo_school(session, size=SMALL)
    assert count(session, Student) == school.students
    assert count(session, UserAccount) == school.accounts


def test_an_occupied_featured_login_is_refused(session: Session) -> None:
    session.add(UserAccount(login="admin", display_name="Настоящий администратор"))
    session.flush()
    with pytest.raises(DomainError, match="только в пустой базе"):
        seed_demo_school(session, size=SMALL)
    assert count(session, SchoolYear) == 0


def test_only_a_system_actor_may_seed(session: Session) -> None:
    session.info["actor"] = Actor(login="someone", roles=frozenset({Role.ADMIN}), user_id=1)
    with pytest.raises(DomainError):
        seed_demo_school(session, size=SMALL)
    assert count(session, SchoolYear) == 0


@pytest.mark.parametrize(
    "size",
    [
        DemoSize(grades=(), classes_per_grade=1),
        DemoSize(grades=(0, 5)),
        DemoSize(grades=(5, 5)),
        DemoSize(grades=(5,), classes_per_grade=0),
        DemoSize(grades=(5,), classes_per_grade=99),
        DemoSize(grades=(5,), students_per_class=0),
    ],
)
def test_impossible_sizes_are_refused(session: Session, size: DemoSize) -> None:
    with pytest.raises(DomainError):
        seed_demo_school(session, size=size)
    assert count(session, SchoolYear) == 0


@pytest.mark.parametrize(
    "size",
    [
        DemoSize(grades=(1,), classes_per_grade=1, students_per_class=2),
        DemoSize(grades=(10, 11), classes_per_grade=1, students_per_class=2),
        DemoSize(grades=(9,), classes_per_grade=3, students_per_class=1),
    ],
)
def test_unusual_sizes_still_give_every_featured_account(session: Session, size: DemoSize) -> None:
    school: DemoSchool = seed_demo_school(session, size=size)
    assert [a.login for a in school.featured] == list(FEATURED_LOGINS)
    for account in school.featured:
        user(session, account.login)
