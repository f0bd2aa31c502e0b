"""The one roster read: only the links and enrolments in force on the day, with the accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from klassruk.access.permissions import Role
from klassruk.models.school import Enrolment, Guardian, GuardianLink, Relation, Student
from klassruk.services.roster.people import class_people
from tests.factories import TwoClasses, build_two_classes, make_account

ON = date(2026, 11, 20)
BEFORE, AFTER = ON - timedelta(days=1), ON + timedelta(days=1)


@dataclass(frozen=True)
class Edges:
    """7А's families at the edges of the day ON (names say what is special about each)."""

    two: TwoClasses
    ended: int  # guardian of Орлов whose link ends on ON
    leaving: int  # guardian of Орлов whose link ends the day after ON
    moved: int  # pupil in 7А until the day before ON, in 8Б from ON
    moved_parent: int
    newcomer: int  # pupil enrolled in 7А from the day after ON


def _guardian(session: Session, last_name: str, student_id: int, ends_on: date | None) -> int:
    guardian = Guardian(last_name=last_name, first_name="Ирина")
    session.add(guardian)
    session.flush()
    session.add(GuardianLink(guardian_id=guardian.id, student_id=student_id,
                             relation=Relation.GUARDIAN, ends_on=ends_on))
    return guardian.id


@pytest.fixture
def edges(session: Session) -> Edges:
    two = build_two_classes(session)
    moved = Student(last_name="Мохов", first_name="Илья")
    newcomer = Student(last_name="Новиков", first_name="Глеб")
    session.add_all([moved, newcomer])
    session.flush()
    start = date(2026, 9, 1)
    session.add_all([
        Enrolment(student_id=moved.id, class_id=two.class_a, starts_on=start, ends_on=BEFORE),
        Enrolment(student_id=moved.id, class_id=two.class_b, starts_on=ON),
        Enrolment(student_id=newcomer.id, class_id=two.class_a, starts_on=AFTER),
    ])
    ended = _guardian(session, "Бывшая", two.student_a, ON)
    make_account(session, "parent_ended", {Role.GUARDIAN}, guardian_id=ended)
    found = Edges(
        two=two,
        ended=ended,
        leaving=_guardian(session, "Уходящая", two.student_a, AFTER),
        moved=moved.id,
        moved_parent=_guardian(session, "Мохова", moved.id, None),
        newcomer=newcomer.id,
    )
    session.flush()
    return found


def test_the_read_holds_only_the_pupils_and_links_in_force_that_day(session, edges):
    two = edges.two
    people = class_people(session, two.class_a, ON)
    assert list(people.students) == [two.student_a]  # not the moved pupil, not the newcomer
    guardians = set(people.guardians)
    assert edges.ended not in guardians  # a link counts no more from its end day
    assert edges.leaving in guardians  # ends later: in force today
    assert edges.moved_parent not in guardians  # their child is in 8Б now
    assert all(people.children[g] == [two.student_a] for g in guardians)

    other = class_people(session, two.class_b, ON)
    assert set(other.students) == {two.student_b, edges.moved}
    assert other.children[edges.moved_parent] == [edges.moved]


def test_the_same_class_on_other_days(session, edges):
    two = edges.two
    before = class_people(session, two.class_a, BEFORE)
    assert set(before.students) == {two.student_a, edges.moved}
    assert {edges.ended, edges.leaving, edges.moved_parent} <= set(before.guardians)
    after = class_people(session, two.class_a, AFTER)
    assert set(after.students) == {two.student_a, edges.newcomer}
    assert edges.leaving not in after.guardians and edges.ended not in after.guardians


def test_the_read_includes_the_accounts_of_the_people_it_holds(session, edges):
    two = edges.two
    people = class_people(session, two.class_a, ON)
    assert people.student_accounts[two.student_a].login == "pupil_a"
    mother = next(g for g, guardian in people.guardians.items() if guardian.last_name == "Орлова")
    assert people.guardian_accounts[mother].login == "parent_a"
    # People without an account are absent; an ended link's guardian brings no account in.
    assert edges.leaving not in people.guardian_accounts
    assert edges.ended not in people.guardian_accounts
    assert set(people.guardian_accounts) <= set(people.guardians)
    assert set(people.student_accounts) <= set(people.students)
