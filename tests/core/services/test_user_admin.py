"""The admin's user list and actions: search in any case, paging, unlock, new code, reasons."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AuditLog
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.pdf.slips import render_slips
from klassruk.services.accounts.sessions import user_for_session_token
from klassruk.services.accounts.users import count_matching_users, list_users
from klassruk.services.credentials.codes import activate_with_code
from klassruk.services.user_admin import code_slip, lift_lockout, reissue_code, set_roles
from tests.factories import act_as, actor_of, build_two_classes, make_account
from tests.frozen import TODAY


@pytest.fixture
def two(session):
    ids = build_two_classes(session)
    make_account(session, "shcherbakova", {Role.GUARDIAN})
    user = session.scalar(select(UserAccount).where(UserAccount.login == "shcherbakova"))
    user.display_name = "Щербакова Алёна Петровна"
    session.flush()
    return ids


def test_search_folds_cyrillic_case_and_yo_and_pages(session, two):
    admin = actor_of(session, "admin")
    for typed in ("щербакова", "ЩЕРБАКОВА", "алена", "АЛЁНА", "SHCHERB"):
        assert [u.login for u in list_users(session, admin, search=typed)] == ["shcherbakova"]
    assert count_matching_users(session, admin, search="алена") == 1
    everyone = count_matching_users(session, admin)
    first = list_users(session, admin, limit=3)
    rest = list_users(session, admin, limit=100, offset=3)
    assert len(first) == 3 and len(first) + len(rest) == everyone
    assert not {u.login for u in first} & {u.login for u in rest}


def test_lift_lockout_and_reissue_are_audited_with_the_reason(session, two):
    admin = actor_of(session, "admin")
    parent = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))
    with pytest.raises(DomainError, match="не заблокирован"):
        lift_lockout(session, admin, login="parent_a", reason="звонок")
    parent.locked_until = utcnow() + timedelta(minutes=10)
    parent.failed_attempts = 3
    session.flush()
    session.info["actor"] = admin
    with pytest.raises(DomainError, match="причину"):
        lift_lockout(session, admin, login="parent_a", reason="  ")
    lift_lockout(session, admin, login="parent_a", reason="Родитель позвонил, личность проверена")
    assert parent.locked_until is None and parent.failed_attempts == 0

    cookie = utcnow()
    new = reissue_code(session, admin, login="parent_a", reason="Забыт пароль")
    assert parent.status is AccountStatus.ISSUED and parent.password_hash is None
    assert user_for_session_token(session, login="parent_a", issued_at=cookie) is None
    reasons = set(session.scalars(
        select(AuditLog.reason).where(
            AuditLog.entity == "user_account", AuditLog.entity_id == str(parent.id),
            AuditLog.actor_login == "admin",
        )
    ))
    assert reasons == {"Родитель позвонил, личность проверена", "Забыт пароль"}
    assert activate_with_code(session, user=parent, code=new.code, session_id="s").activated


@pytest.mark.parametrize("login", ["ct_a", "zavuch", "teacher_a", "parent_a", "pupil_a"])
def test_only_the_admin_acts_on_accounts(session, two, login):
    actor = actor_of(session, login)
    with pytest.raises(PermissionDenied):
        lift_lockout(session, actor, login="parent_a", reason="r")
    with pytest.raises(PermissionDenied):
        reissue_code(session, actor, login="pupil_a", reason="r")


def test_roles_are_set_with_a_reason_and_end_the_sessions(session, two):
    admin = actor_of(session, "admin")
    session.info["actor"] = admin
    cookie = utcnow()
    changed = set_roles(
        session, admin, login="teacher_a",
        roles=frozenset({Role.TEACHER, Role.CLASS_TEACHER}), reason="Приказ № 7",
    )
    teacher = changed.user
    assert teacher.roles == {Role.TEACHER, Role.CLASS_TEACHER}
    assert "Учебная нагрузка" in (changed.next_step or "")  # no class assigned yet
    assert user_for_session_token(session, login="teacher_a", issued_at=cookie) is None
    assert "Смена ролей: Приказ № 7" in session.scalars(
        select(AuditLog.reason).where(AuditLog.entity == "user_role")
    ).all()
    dropped = set_roles(
        session, admin, login="ct_a", roles=frozenset({Role.CLASS_TEACHER}), reason="Без часов"
    )
    assert dropped.user.roles == {Role.CLASS_TEACHER} and dropped.next_step is None


@pytest.mark.parametrize(
    ("login", "roles", "message"),
    [
        ("teacher_a", set(), "хотя бы одна роль"),
        ("teacher_a", {Role.TEACHER}, "не изменились"),
        ("parent_a", {Role.GUARDIAN, Role.TEACHER}, "выдана семье"),
        ("zavuch", {Role.DEPUTY_HEAD, Role.GUARDIAN}, "Реквизиты доступа"),
        ("admin", {Role.TEACHER}, "с самого себя"),
    ],
)
def test_bad_role_changes_are_refused_and_change_nothing(session, two, login, roles, message):
    admin = actor_of(session, "admin")
    session.info["actor"] = admin
    before = session.scalar(select(UserAccount).where(UserAccount.login == login)).roles
    with pytest.raises(DomainError, match=message):
        set_roles(session, admin, login=login, roles=frozenset(roles), reason="причина")
    assert session.scalar(select(UserAccount).where(UserAccount.login == login)).roles == before


def test_the_last_active_admin_keeps_the_role(session, two):
    make_account(session, "admin2", {Role.ADMIN})
    second = actor_of(session, "admin2")
    session.info["actor"] = second
    session.scalar(select(UserAccount).where(UserAccount.login == "admin2")).status = (
        AccountStatus.ACTIVE
    )
    admin = session.scalar(select(UserAccount).where(UserAccount.login == "admin"))
    admin.status = AccountStatus.BLOCKED
    session.flush()
    first = actor_of(session, "admin")
    with pytest.raises(DomainError, match="последний действующий администратор"):
        set_roles(session, first, login="admin2", roles=frozenset({Role.TEACHER}), reason="r")
    admin.status = AccountStatus.ACTIVE
    set_roles(session, second, login="admin", roles=frozenset({Role.TEACHER}), reason="Уволен")
    assert admin.roles == {Role.TEACHER}


def test_only_the_admin_sets_roles(session, two):
    with pytest.raises(PermissionDenied):
        set_roles(
            session, actor_of(session, "zavuch"), login="teacher_a",
            roles=frozenset({Role.ADMIN}), reason="r",
        )


@pytest.mark.parametrize(
    ("login", "who"),
    [("parent_a", "Родитель (законный представитель)"), ("teacher_a", "Сотрудник")],
)
def test_a_new_code_prints_on_one_slip(session, login, who):
    build_two_classes(session)
    admin = act_as(session, "admin")
    new = reissue_code(session, admin, login=login, reason="Потерян листок")
    slip = code_slip(session, admin, new_code=new, on=TODAY)
    pdf = render_slips([slip], school_name="Школа № 17", app_url="https://school.example")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert len(reader.pages) == 1
    assert f"Логин: {login}" in text and new.code in text and who in text
    if login == "parent_a":
        assert "7А" in text


def test_only_the_admin_prints_a_code_slip(session):
    build_two_classes(session)
    new = reissue_code(session, act_as(session, "admin"), login="parent_a", reason="Потерян")
    with pytest.raises(PermissionDenied):
        code_slip(session, actor_of(session, "ct_a"), new_code=new, on=TODAY)
