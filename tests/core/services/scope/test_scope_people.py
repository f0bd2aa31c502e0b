"""Scope through people: a class teacher reaches guardians only through own pupils (issue 9)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Action, Role
from klassruk.errors import DomainError, PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.school import (
    Enrolment,
    Guardian,
    GuardianLink,
    Relation,
    SchoolClass,
    Student,
    TeachingAssignment,
)
from klassruk.services import overview
from klassruk.services.credentials.blocking import block_accounts
from klassruk.services.credentials.board import credentials_board
from klassruk.services.credentials.issuing import issue_credentials
from klassruk.services.credentials.people import PersonKind, PersonRef
from klassruk.services.groups.who_teaches import teachers_of_student
from klassruk.services.roster import preview_import
from klassruk.services.roster.applying import apply_import
from klassruk.services.roster.plans import Change, Entity
from klassruk.services.roster.templates import template_csv
from klassruk.services.scope.classes import own_class_ids_query
from klassruk.services.scope.students import require_student_scope
from tests.factories import SYSTEM, actor_of, build_two_classes, make_account
from tests.schools.roster_school import ADMIN, ON, TEACHER_A, TinySchool, build_school

EMPTY = ["", "", "", "", "", ""]
FATHER_B = ["Котов", "Борис", "Ильич", "отец", "+7 900 111-22-33", "kotov@mail.example"]


@pytest.fixture
def school(factory: sessionmaker[Session]) -> tuple[TinySchool, int]:
    """The tiny school plus Котов Борис, father of Илья (7Б) only, with an active account."""
    with unit_of_work(factory, SYSTEM) as session:
        ids = build_school(session)
        father = Guardian(
            last_name="Котов", first_name="Борис", middle_name="Ильич",
            phone="+79001112233", email="boris@mail.example",
        )
        session.add(father)
        session.flush()
        session.add(GuardianLink(guardian_id=father.id, student_id=ids.ilya,
                                 relation=Relation.FATHER))
        make_account(session, "kotov.boris", {Role.GUARDIAN}, guardian_id=father.id)
        return ids, father.id


def _as(factory, login: str, call):
    with factory() as session:
        actor = actor_of(session, login)
    with unit_of_work(factory, actor) as session:
        return call(session, actor)


def _import(factory, login: str, rows, class_id: int, *, apply: bool = False):
    content = template_csv(rows, encoding="utf-8", delimiter=",")
    run = apply_import if apply else preview_import
    return _as(factory, login, lambda s, a: run(
        s, a, content=content, filename="x.csv", on=ON, class_id=class_id))


def test_import_never_links_another_classs_guardian_on_name_and_phone(factory, school):
    ids, father = school
    rows = [["7А", "Котова", "Вика", "", "01.02.2013", *FATHER_B, *EMPTY]]
    preview = _import(factory, TEACHER_A, rows, ids.class_a)
    guardian_lines = [line for line in preview.lines if line.entity is Entity.GUARDIAN]
    assert [(line.change, line.detail) for line in guardian_lines] == [(Change.CREATE, "")]
    _import(factory, TEACHER_A, rows, ids.class_a, apply=True)
    with factory() as session:
        links = session.scalars(select(GuardianLink.student_id).where(
            GuardianLink.guardian_id == father)).all()
        assert links == [ids.ilya]
        assert session.get(Guardian, father).email == "boris@mail.example"
        namesakes = session.scalars(select(Guardian).where(Guardian.last_name == "Котов"))
        assert len(namesakes.all()) == 2
    board = _as(factory, TEACHER_A, lambda s, a: credentials_board(
        s, a, class_id=ids.class_a, on=ON))
    assert PersonRef(PersonKind.GUARDIAN, father) not in {row.person for row in board}
    foreign = [PersonRef(PersonKind.GUARDIAN, father)]
    for call in (issue_credentials, block_accounts):
        with pytest.raises(DomainError, match="не относится к классу 7А") as refused:
            _as(factory, TEACHER_A, lambda s, a, call=call: call(
                s, a, class_id=ids.class_a, on=ON, people=foreign))
        assert "Котов" not in str(refused.value) and "Илья" not in str(refused.value)
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == "kotov.boris"))
        assert user.status is AccountStatus.ACTIVE and user.password_hash is not None


def test_admin_import_still_links_a_parent_of_siblings_across_classes(factory, school):
    ids, father = school
    rows = [["7А", "Котова", "Вика", "", "01.02.2013", *FATHER_B, *EMPTY]]
    _import(factory, ADMIN, rows, ids.class_a, apply=True)
    with factory() as session:
        assert len(session.scalars(select(GuardianLink).where(
            GuardianLink.guardian_id == father)).all()) == 2
        assert session.get(Guardian, father).email == "kotov@mail.example"


def test_import_answers_the_same_for_a_pupil_of_another_class_and_for_nobody(factory, school):
    ids, _ = school
    def lines(first_name: str, born: str):
        rows = [["7А", "Иванов", first_name, "", born, *EMPTY, *EMPTY]]
        preview = _import(factory, TEACHER_A, rows, ids.class_a)
        return ([(line.entity, line.change, line.detail) for line in preview.lines],
                [error.message for error in preview.errors])

    # Илья 09.01.2013 is a pupil of 7Б; Илья 10.01.2013 exists nowhere.
    assert lines("Илья", "09.01.2013") == lines("Илья", "10.01.2013")
    assert lines("Илья", "09.01.2013")[1] == []
    admin = _import(factory, ADMIN, [["7А", "Иванов", "Илья", "", "09.01.2013", *EMPTY, *EMPTY]],
                    ids.class_a)
    assert "уже зачислен в 7Б класс" in admin.errors[0].message


def test_shared_guardian_needs_the_admin_to_block_reissue_or_change_contacts(factory, school):
    ids, _ = school
    maria = [PersonRef(PersonKind.GUARDIAN, ids.maria)]
    first = _as(factory, TEACHER_A, lambda s, a: issue_credentials(
        s, a, class_id=ids.class_a, on=ON, people=maria))
    assert [c.name for c in first.issued] == ["Иванова Мария Сергеевна"]  # the first code: allowed
    again = _as(factory, TEACHER_A, lambda s, a: issue_credentials(
        s, a, class_id=ids.class_a, on=ON, people=maria))
    assert again.issued == [] and "администратор" in again.skipped[0]
    with pytest.raises(PermissionDenied, match="только администратор"):
        _as(factory, TEACHER_A, lambda s, a: block_accounts(
            s, a, class_id=ids.class_a, on=ON, people=maria))
    rows = [["7А", "Иванов", "Пётр", "", "04.03.2013",
             "Иванова", "Мария", "Сергеевна", "мать", "+7 912 345 67 89", "new@mail.example",
             *EMPTY]]
    preview = _import(factory, TEACHER_A, rows, ids.class_a)
    [line] = [line for line in preview.lines if line.entity is Entity.GUARDIAN]
    assert line.change is Change.UNCHANGED and "меняет администратор" in line.detail
    _import(factory, TEACHER_A, rows, ids.class_a, apply=True)
    with factory() as session:
        assert session.get(Guardian, ids.maria).email is None
    assert _as(factory, ADMIN, lambda s, a: block_accounts(
        s, a, class_id=ids.class_a, on=ON, people=maria)) == 1


def test_lonely_guardian_is_not_described_to_a_class_teacher(factory, school):
    ids, _ = school
    with pytest.raises(DomainError) as refused:
        _as(factory, TEACHER_A, lambda s, a: issue_credentials(
            s, a, class_id=ids.class_a, on=ON,
            people=[PersonRef(PersonKind.GUARDIAN, ids.lonely)]))
    assert "Одинокова" not in str(refused.value)


def test_class_teacher_who_teaches_another_class_cannot_read_its_pupils(session):
    ids = build_two_classes(session)
    ct_a = actor_of(session, "ct_a")
    session.add(TeachingAssignment(staff_id=ct_a.staff_id, subject_id=1, group_id=ids.group_b,
                                   hours_per_week=2))
    session.flush()
    # As a teacher of 8Б's group the journal is reachable, but not the class-teacher views.
    require_student_scope(session, ct_a, ids.student_b, Action.VIEW_OWN_GROUPS, on=ON)
    with pytest.raises(PermissionDenied):
        teachers_of_student(session, ct_a, student_id=ids.student_b, on=ON)
    with pytest.raises(PermissionDenied):
        require_student_scope(session, ct_a, ids.student_b, Action.VIEW_CLASS, on=ON)
    assert teachers_of_student(session, ct_a, student_id=ids.student_a, on=ON) is not None


def test_class_teacher_account_without_a_staff_link_reaches_no_class(session):
    ids = build_two_classes(session)
    orphan_class = SchoolClass(school_year_id=session.get(SchoolClass, ids.class_a).school_year_id,
                               grade=9, letter="В", class_teacher_id=None)
    pupil = Student(last_name="Нилов", first_name="Кирилл", birth_date=date(2011, 5, 5))
    session.add_all([orphan_class, pupil])
    session.flush()
    session.add(Enrolment(student_id=pupil.id, class_id=orphan_class.id, starts_on=ON))
    make_account(session, "ct_nolink", {Role.CLASS_TEACHER})
    session.flush()
    actor = actor_of(session, "ct_nolink")
    assert session.scalars(own_class_ids_query(actor)).all() == []
    assert overview.class_summaries(session, actor, on=ON) == []
    with pytest.raises(PermissionDenied):
        require_student_scope(session, actor, pupil.id, Action.VIEW_CLASS, on=ON)
