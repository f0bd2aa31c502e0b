"""Small helpers for tests: accounts and actors built on the real services."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date

import bcrypt
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Actor, Role
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import ConsentEntry, ConsentScan, ConsentState, ConsentSubject
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    Guardian,
    GuardianLink,
    Relation,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.accounts.login import (
    LockoutPolicy,
    LoginResult,
    authenticate,
    check_password,
    stored_password_hash,
)
from klassruk.services.accounts.sessions import actor_for
from klassruk.services.accounts.users import create_user
from klassruk.services.throttling import ThrottlePolicy
from tests.frozen import TODAY

SYSTEM = Actor.system("test")
LOGIN_ACTOR = Actor.system("login")


def attempt_login(
    factory: sessionmaker[Session],
    login: str,
    password: str,
    *,
    policy: LockoutPolicy,
    session_id: str | None = None,
    client_address: str | None = None,
    throttle: ThrottlePolicy | None = None,
) -> LoginResult:
    """A login as the app makes it: read the hash, check it outside, then a short write."""
    with unit_of_work(factory, LOGIN_ACTOR, read_only=True) as session:
        stored = stored_password_hash(session, login=login)
    check = check_password(login=login, password=password, stored_hash=stored)
    with unit_of_work(factory, LOGIN_ACTOR) as session:
        return authenticate(
            session,
            check=check,
            policy=policy,
            session_id=session_id,
            client_address=client_address,
            throttle=throttle,
        )


TEST_PASSWORD = "Надёжный пароль 2026"


def legacy_bcrypt_hash(password: str, rounds: int = 4) -> str:
    """A hash as Klassruk stored it before Argon2id: bcrypt over base64(SHA-256(password))."""
    prehash = base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())
    return bcrypt.hashpw(prehash, bcrypt.gensalt(rounds)).decode("ascii")


def make_account(
    session: Session,
    login: str,
    roles: set[Role],
    *,
    password: str = TEST_PASSWORD,
    must_change_password: bool = False,
    **links: int,
) -> UserAccount:
    """An active account created through the accounts service."""
    return create_user(
        session,
        SYSTEM,
        login=login,
        display_name=login.title(),
        roles=roles,
        password=password,
        must_change_password=must_change_password,
        **links,
    )


def give_consent(session: Session, guardian_id: int, student_id: int) -> None:
    """The guardian's consent to their own and the child's data: the family goes electronic."""
    for subject, student in ((ConsentSubject.GUARDIAN_SELF, None),
                             (ConsentSubject.CHILD, student_id)):
        session.add(ConsentEntry(subject=subject, guardian_id=guardian_id, student_id=student,
                                 state=ConsentState.GIVEN, recorded_by="тест"))
    session.flush()


def give_scanned_consent(session: Session, guardian_id: int, *, file_name: str) -> None:
    """The guardian's signed consent to a child's data, recorded with a scan of the form."""
    child = session.scalar(
        select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian_id)
    )
    scan = ConsentScan(file_name=file_name, media_type="application/pdf", size=4,
                       sha256="0" * 64, content=b"%PDF", uploaded_by="admin")
    session.add(scan)
    session.flush()
    session.add(ConsentEntry(
        subject=ConsentSubject.CHILD, guardian_id=guardian_id, student_id=child,
        state=ConsentState.GIVEN, signed_on=TODAY, scan_id=scan.id, recorded_by="admin",
    ))


def actor_of(session: Session, login: str) -> Actor:
    """The actor of an existing account."""
    user = session.scalar(select(UserAccount).where(UserAccount.login == login))
    assert user is not None, login
    return actor_for(user, session_id="test-session")


def act_as(session: Session, login: str) -> Actor:
    """The actor of an existing account, from now on the one the session's audit hook records."""
    actor = actor_of(session, login)
    session.info["actor"] = actor
    return actor


@dataclass(frozen=True)
class TwoClasses:
    """Ids of a minimal school: 7А and 8Б, each with a class teacher, a student, a guardian."""

    class_a: int
    class_b: int
    student_a: int
    student_b: int
    group_a: int
    group_b: int


def build_two_classes(session: Session) -> TwoClasses:
    """Two classes with accounts: ct_a/ct_b (class teachers), teacher_a, parent_a, pupil_a…"""
    year = SchoolYear(name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31),
                      is_current=True)
    math = Subject(name="Математика", short_name="Мат")
    staff = {name: Staff(last_name=name.title(), first_name="Анна", middle_name="Ивановна")
             for name in ("ct_a", "ct_b", "teacher_a")}
    session.add_all([year, math, *staff.values()])
    session.flush()
    class_a = SchoolClass(school_year_id=year.id, grade=7, letter="А",
                          class_teacher_id=staff["ct_a"].id)
    class_b = SchoolClass(school_year_id=year.id, grade=8, letter="Б",
                          class_teacher_id=staff["ct_b"].id)
    student_a = Student(last_name="Орлов", first_name="Пётр")
    student_b = Student(last_name="Зайцева", first_name="Мария")
    guardian_a = Guardian(last_name="Орлова", first_name="Елена")
    guardian_b = Guardian(last_name="Зайцев", first_name="Олег")
    session.add_all([class_a, class_b, student_a, student_b, guardian_a, guardian_b])
    session.flush()
    group_a = StudyGroup(school_year_id=year.id, class_id=class_a.id, kind=GroupKind.WHOLE_CLASS,
                         name="7А — весь класс")
    group_b = StudyGroup(school_year_id=year.id, class_id=class_b.id, kind=GroupKind.WHOLE_CLASS,
                         name="8Б — весь класс")
    session.add_all([group_a, group_b])
    session.flush()
    session.add_all([
        Enrolment(student_id=student_a.id, class_id=class_a.id, starts_on=year.starts_on),
        Enrolment(student_id=student_b.id, class_id=class_b.id, starts_on=year.starts_on),
        GroupMembership(group_id=group_a.id, student_id=student_a.id, starts_on=year.starts_on),
        GroupMembership(group_id=group_b.id, student_id=student_b.id, starts_on=year.starts_on),
        GuardianLink(guardian_id=guardian_a.id, student_id=student_a.id, relation=Relation.MOTHER),
        GuardianLink(guardian_id=guardian_b.id, student_id=student_b.id, relation=Relation.FATHER),
        TeachingAssignment(staff_id=staff["teacher_a"].id, subject_id=math.id,
                           group_id=group_a.id, hours_per_week=5),
    ])
    make_account(session, "ct_a", {Role.TEACHER, Role.CLASS_TEACHER}, staff_id=staff["ct_a"].id)
    make_account(session, "ct_b", {Role.TEACHER, Role.CLASS_TEACHER}, staff_id=staff["ct_b"].id)
    make_account(session, "teacher_a", {Role.TEACHER}, staff_id=staff["teacher_a"].id)
    make_account(session, "parent_a", {Role.GUARDIAN}, guardian_id=guardian_a.id)
    make_account(session, "pupil_a", {Role.STUDENT}, student_id=student_a.id)
    make_account(session, "zavuch", {Role.DEPUTY_HEAD})
    make_account(session, "admin", {Role.ADMIN})
    session.flush()
    return TwoClasses(class_a.id, class_b.id, student_a.id, student_b.id, group_a.id, group_b.id)
