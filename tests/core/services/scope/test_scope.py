"""Scope rules in services/scope.py: the classes every picker offers."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Role
from klassruk.errors import PermissionDenied
from klassruk.models.school import SchoolClass, SchoolYear
from klassruk.services.scope.classes import classes_in_scope
from tests.factories import actor_of, build_two_classes, make_account


def test_classes_in_scope_are_own_classes_or_all_of_the_current_year(session: Session):
    school = build_two_classes(session)
    old_year = SchoolYear(name="2025/2026", starts_on=date(2025, 9, 1), ends_on=date(2026, 5, 31))
    session.add(old_year)
    session.flush()
    session.add(SchoolClass(school_year_id=old_year.id, grade=6, letter="А"))
    session.flush()

    own = classes_in_scope(session, actor_of(session, "ct_a"), action=Action.VIEW_CLASS_JOURNAL)
    every = classes_in_scope(session, actor_of(session, "zavuch"), action=Action.VIEW_CLASS_JOURNAL)

    assert own == [(school.class_a, "7А")]
    assert [(c.class_id, c.name) for c in every] == [(school.class_a, "7А"), (school.class_b, "8Б")]


def test_a_class_teacher_without_a_class_gets_an_empty_list(session: Session):
    build_two_classes(session)
    make_account(session, "ct_nolink", {Role.CLASS_TEACHER})

    actor = actor_of(session, "ct_nolink")

    assert classes_in_scope(session, actor, action=Action.ISSUE_CREDENTIALS) == []


def test_an_actor_without_the_action_is_refused(session: Session):
    build_two_classes(session)
    for login in ("teacher_a", "parent_a", "pupil_a"):
        with pytest.raises(PermissionDenied):
            classes_in_scope(session, actor_of(session, login), action=Action.VIEW_CLASS_JOURNAL)
