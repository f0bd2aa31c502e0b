"""The role→action table and the scope rules: every forbidden actor is refused."""

from __future__ import annotations

from datetime import date

import pytest

from klassruk.access.permissions import ROLE_ACTIONS, Action, Actor, Role, actions_for, require
from klassruk.errors import PermissionDenied
from klassruk.services import overview
from klassruk.services.accounts.users import list_users
from klassruk.services.audit_trail import ChangeFilter, change_log
from klassruk.services.cabinet.common import list_children
from klassruk.services.scope.classes import require_class_scope, require_group_scope
from klassruk.services.scope.students import require_student_scope
from tests.factories import actor_of, build_two_classes, give_consent

ON = date(2026, 11, 20)


def test_every_role_has_the_basics_and_only_admin_manages_users():
    for role, actions in ROLE_ACTIONS.items():
        assert {Action.VIEW_HOME, Action.VIEW_PROFILE, Action.CHANGE_OWN_PASSWORD} <= actions, role
    assert [r for r, a in ROLE_ACTIONS.items() if Action.MANAGE_USERS in a] == [Role.ADMIN]
    assert [r for r, a in ROLE_ACTIONS.items() if Action.EDIT_JOURNAL in a] == [Role.TEACHER]


def test_class_teacher_reads_the_class_journal_but_cannot_edit_it():
    assert Action.VIEW_CLASS_JOURNAL in ROLE_ACTIONS[Role.CLASS_TEACHER]
    assert Action.EDIT_JOURNAL not in ROLE_ACTIONS[Role.CLASS_TEACHER]


def test_several_roles_combine():
    combined = actions_for(frozenset({Role.TEACHER, Role.GUARDIAN}))
    assert Action.EDIT_JOURNAL in combined and Action.VIEW_CHILD in combined
    assert Action.VIEW_USERS not in combined


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_require_refuses_an_action_the_role_lacks(role):
    with pytest.raises(PermissionDenied):
        require(Actor(login="x", roles=frozenset({role})), Action.MANAGE_USERS)


@pytest.fixture
def school(session):
    ids = build_two_classes(session)
    session.flush()
    return ids


def test_class_scope_own_class_only(session, school):
    own = actor_of(session, "ct_a")
    require_class_scope(session, own, school.class_a, Action.VIEW_CLASS)
    with pytest.raises(PermissionDenied):
        require_class_scope(session, own, school.class_b, Action.VIEW_CLASS)
    for login in ("teacher_a", "parent_a", "pupil_a"):
        with pytest.raises(PermissionDenied):
            actor = actor_of(session, login)
            require_class_scope(session, actor, school.class_a, Action.VIEW_CLASS)
    require_class_scope(session, actor_of(session, "zavuch"), school.class_b, Action.VIEW_CLASS)


def test_group_scope_own_groups_only(session, school):
    teacher = actor_of(session, "teacher_a")
    require_group_scope(session, teacher, school.group_a, Action.EDIT_JOURNAL)
    with pytest.raises(PermissionDenied):
        require_group_scope(session, teacher, school.group_b, Action.EDIT_JOURNAL)
    # The class teacher of 7А does not teach it: no journal writes there.
    with pytest.raises(PermissionDenied):
        require_group_scope(session, actor_of(session, "ct_a"), school.group_a, Action.EDIT_JOURNAL)


def test_student_scope(session, school):
    # A guardian reaches a child through the cabinet's gate: consent given, link in force.
    parent = actor_of(session, "parent_a")
    give_consent(session, parent.guardian_id, school.student_a)
    allowed = {
        "parent_a": Action.VIEW_CHILD,
        "pupil_a": Action.VIEW_SELF,
        "ct_a": Action.VIEW_CLASS,
        "teacher_a": Action.VIEW_OWN_GROUPS,
        "zavuch": Action.VIEW_CLASS,
    }
    for login, action in allowed.items():
        actor = actor_of(session, login)
        require_student_scope(session, actor, school.student_a, action, on=ON)
        if login != "zavuch":
            with pytest.raises(PermissionDenied):
                require_student_scope(session, actor, school.student_b, action, on=ON)


def test_services_refuse_forbidden_actors(session, school):
    parent = actor_of(session, "parent_a")
    teacher = actor_of(session, "teacher_a")
    class_teacher_b = actor_of(session, "ct_b")
    with pytest.raises(PermissionDenied):
        overview.school_counts(session, parent, on=ON)
    with pytest.raises(PermissionDenied):
        overview.class_summaries(session, teacher, on=ON)
    with pytest.raises(PermissionDenied):
        overview.class_roster(session, class_teacher_b, class_id=school.class_a, on=ON)
    with pytest.raises(PermissionDenied):
        overview.own_teaching_load(session, parent, on=ON)
    with pytest.raises(PermissionDenied):
        list_users(session, class_teacher_b)
    with pytest.raises(PermissionDenied):
        change_log(
            session, actor_of(session, "zavuch"), filters=ChangeFilter(), timezone="Europe/Moscow"
        )


def test_class_teacher_sees_only_own_class_in_summaries(session, school):
    summaries = overview.class_summaries(session, actor_of(session, "ct_a"), on=ON)
    assert [s.name for s in summaries] == ["7А"]
    assert summaries[0].students == 1 and summaries[0].guardians == 1
    assert summaries[0].students_with_account == 1 and summaries[0].guardians_with_account == 1
    everything = overview.class_summaries(session, actor_of(session, "zavuch"), on=ON)
    assert [s.name for s in everything] == ["7А", "8Б"]


def test_guardian_sees_own_children_and_student_self(session, school):
    children = list_children(session, actor_of(session, "parent_a"), on=ON)
    assert [(c.name, c.class_name) for c in children] == [("Орлов Пётр", "7А")]
    (card,) = list_children(session, actor_of(session, "pupil_a"), on=ON)
    assert card.class_name == "7А" and card.class_teacher.startswith("Ct_A")
    assert list_children(session, actor_of(session, "teacher_a"), on=ON) == []


def test_roster_and_load(session, school):
    roster = overview.class_roster(session, actor_of(session, "ct_a"), class_id=school.class_a,
                                   on=ON)
    assert [(r.student, r.guardians) for r in roster] == [("Орлов Пётр", "Орлова Елена")]
    load = overview.own_teaching_load(session, actor_of(session, "teacher_a"), on=ON)
    assert [(row.subject, row.group, row.students) for row in load] == [
        ("Математика", "7А — весь класс", 1)
    ]
