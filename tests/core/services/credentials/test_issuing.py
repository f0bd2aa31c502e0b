"""Issuing credentials: one account per person, logins, skipped people, no plaintext, scope."""

from __future__ import annotations

import bcrypt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivationCode, AuditLog, Base
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.accounts.login import find_user_by_login
from klassruk.services.accounts.passwords import (
    set_first_password,
)
from klassruk.services.accounts.sessions import actor_for
from klassruk.services.credentials.blocking import block_accounts
from klassruk.services.credentials.board import credentials_board
from klassruk.services.credentials.codes import (
    normalize_code,
)
from klassruk.services.credentials.issuing import RecentCodes, issue_credentials
from klassruk.services.credentials.people import PersonKind, PersonRef
from tests.core.services.credentials.issued import NEW_PASSWORD, by_name, issue, log_in
from tests.factories import SYSTEM, actor_of
from tests.schools.roster_school import ADMIN, ON, TEACHER_A, TEACHER_B


def test_whole_class_gets_one_account_per_student_and_per_guardian(factory, school):
    result = issue(factory, TEACHER_A, school.class_a)
    names = sorted(c.name for c in result.issued)
    assert names == [
        "Иванов Пётр",
        "Иванов Сергей Петрович",
        "Иванова Анна",
        "Иванова Мария Сергеевна",
    ]
    assert result.created_accounts == 4
    logins = {c.login for c in result.issued}
    assert len(logins) == 4  # two parents never share a login
    assert by_name(result, "Пётр").login == "ivanov.petr"
    assert by_name(result, "Мария").login == "ivanova.mariya"
    assert by_name(result, "Мария").children == ("Иванов Пётр", "Иванова Анна")
    with factory() as session:
        users = session.scalars(select(UserAccount).where(UserAccount.login.in_(logins))).all()
        assert {u.status for u in users} == {AccountStatus.ISSUED}
        assert {u.password_hash for u in users} == {None}
        assert all(u.must_change_password for u in users)


def test_guardian_with_children_in_two_classes_has_one_account(factory, school):
    first = issue(factory, TEACHER_A, school.class_a)
    # 7Б's class teacher may not replace the code 7А's gave her: that needs the admin.
    second = issue(factory, TEACHER_B, school.class_b)
    assert [s for s in second.skipped if "Мария" in s] == [
        "Иванова Мария Сергеевна: есть дети в других классах, реквизиты заново выдаёт "
        "администратор"
    ]
    maria_a = by_name(first, "Мария")
    maria_b = by_name(
        issue(factory, ADMIN, school.class_b, recent=RecentCodes.REPLACE), "Мария"
    )
    assert maria_a.login == maria_b.login
    assert maria_b.children == ("Иванов Илья",)
    with factory() as session:
        assert len(session.scalars(
            select(UserAccount).where(UserAccount.guardian_id == school.maria)
        ).all()) == 1


def test_namesakes_get_a_numeric_suffix(factory, school):
    from klassruk.models.school import Enrolment, Student

    with unit_of_work(factory, SYSTEM) as session:
        twin = Student(last_name="Иванов", first_name="Петр", birth_date=ON.replace(year=2013))
        session.add(twin)
        session.flush()
        session.add(Enrolment(student_id=twin.id, class_id=school.class_a, starts_on=ON))
    result = issue(factory, TEACHER_A, school.class_a)
    logins = sorted(c.login for c in result.issued if c.kind is PersonKind.STUDENT)
    assert logins == ["ivanov.petr", "ivanov.petr2", "ivanova.anna"]
















def test_whole_class_issue_leaves_activated_accounts_alone(factory, school):
    first = issue(factory, TEACHER_A, school.class_a)
    log_in(factory, "ivanov.petr", by_name(first, "Пётр").code)
    again = issue(factory, TEACHER_A, school.class_a, recent=RecentCodes.REPLACE)
    assert "Иванов Пётр" not in {c.name for c in again.issued}
    # Анна and Сергей get new codes; Мария (a child in 7Б too) only from the admin.
    assert {c.name for c in again.issued} == {"Иванова Анна", "Иванов Сергей Петрович"}
    assert again.created_accounts == 0 and len(again.skipped) == 1
    # Re-issuing for a chosen person resets even an activated account (forgotten password).
    petr = [PersonRef(PersonKind.STUDENT, school.petr)]
    chosen = issue(factory, TEACHER_A, school.class_a, petr)
    assert chosen.issued[0].login == "ivanov.petr"
    with factory() as session:
        assert find_user_by_login(session, "ivanov.petr").status is AccountStatus.ISSUED


def test_issuing_runs_no_password_hashing(factory, school, monkeypatch):
    def forbidden(*_args, **_kwargs):
        raise AssertionError("no password hashing may run while issuing")

    monkeypatch.setattr(bcrypt, "hashpw", forbidden)
    monkeypatch.setattr(bcrypt, "checkpw", forbidden)
    monkeypatch.setattr(PasswordHasher, "hash", forbidden)
    monkeypatch.setattr(PasswordHasher, "verify", forbidden)
    assert len(issue(factory, ADMIN, school.class_a).issued) == 4


def test_database_dump_holds_no_plaintext_code_or_password(factory, school, engine):
    result = issue(factory, TEACHER_A, school.class_a)
    maria = by_name(result, "Мария")
    _, user_id = log_in(factory, maria.login, maria.code)
    with factory() as session:
        actor = actor_for(session.get(UserAccount, user_id), session_id="browser-1")
    with unit_of_work(factory, actor) as session:
        set_first_password(session, actor, new_password=NEW_PASSWORD, confirmation=NEW_PASSWORD)
    dump = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            dump.extend(repr(tuple(row)) for row in connection.execute(table.select()))
    text = "\n".join(dump)
    assert "Иванова Мария" in text  # the dump is real
    for credential in result.issued:
        assert credential.code not in text
        assert normalize_code(credential.code) not in text
    assert NEW_PASSWORD not in text
    with factory() as session:
        audited = session.scalars(
            select(AuditLog).where(AuditLog.entity == "activation_code")
        ).all()
        inserts = [row for row in audited if row.operation == "insert"]
        assert len(inserts) == 4
        assert {row.changes["code_hash"]["new"] for row in inserts} == {"***"}






@pytest.mark.parametrize("operation", ["issue", "board", "block"])
def test_class_teacher_cannot_reach_another_class(factory, school, operation):
    with factory() as session:
        actor = actor_of(session, TEACHER_B)
    with pytest.raises(PermissionDenied), unit_of_work(factory, actor) as session:
        if operation == "issue":
            issue_credentials(session, actor, class_id=school.class_a, on=ON)
        elif operation == "board":
            credentials_board(session, actor, class_id=school.class_a, on=ON)
        else:
            block_accounts(
                session, actor, class_id=school.class_a, on=ON,
                people=[PersonRef(PersonKind.STUDENT, school.petr)],
            )
    with factory() as session:
        assert session.scalar(select(ActivationCode.id)) is None


def test_guardian_and_student_cannot_issue(factory, school):
    result = issue(factory, TEACHER_A, school.class_a)
    maria = by_name(result, "Мария")
    with factory() as session:
        parent = actor_for(find_user_by_login(session, maria.login))
    with pytest.raises(PermissionDenied), unit_of_work(factory, parent) as session:
        issue_credentials(session, parent, class_id=school.class_a, on=ON)


def test_person_outside_the_class_is_refused(factory, school):
    with pytest.raises(DomainError, match="не относится к классу 7А"):
        issue(factory, TEACHER_A, school.class_a, [PersonRef(PersonKind.STUDENT, school.ilya)])


def test_guardian_without_any_child_is_refused_with_a_clear_message(factory, school):
    with pytest.raises(DomainError, match="нет ни одного связанного обучающегося"):
        issue(factory, ADMIN, school.class_a, [PersonRef(PersonKind.GUARDIAN, school.lonely)])
    with factory() as session:
        guardians = select(UserAccount.id).where(UserAccount.guardian_id.is_not(None))
        assert session.scalar(guardians) is None
