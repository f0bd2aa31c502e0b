"""AppTest: the admin's user list (search, paging) and its actions, refused to everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.demo.catalogue import GUARDIAN_LOGIN
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.incidents import DataAccess, DataAccessLog
from klassruk.services.second_factor import required_roles
from tests.factories import SYSTEM
from tests.pages.second_factor_steps import enrol_in_database


def _users(at):
    return next(df.value for df in at.dataframe if "Логин" in df.value.columns)


def _state(factory, login: str) -> UserAccount:
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == login))
        assert user is not None
        return user


def _act(at, login: str, button: str, reason: str) -> None:
    chosen = at.selectbox(key="users_chosen")
    chosen.set_value(next(o for o in chosen.options if f"({login})" in o)).run()
    at.text_input(key="users_reason").input(reason)
    next(b for b in at.button if b.label == button).click().run()
    assert not at.exception


def test_admin_searches_pages_unlocks_and_reissues(logged_in, factory):
    with unit_of_work(factory, SYSTEM) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == GUARDIAN_LOGIN))
        user.locked_until = utcnow() + timedelta(minutes=15)
        name = user.display_name
    admin = logged_in("admin")
    admin.switch_page("app_pages/users.py").run()
    assert not admin.exception
    with factory() as session:
        everyone = len(session.scalars(select(UserAccount.id)).all())
    assert len(_users(admin)) == min(everyone, 50)
    assert any(f"Найдено: {everyone}" in c.value for c in admin.caption)
    admin.text_input(key="users_search").input(name.split()[0].upper()).run()
    assert GUARDIAN_LOGIN in list(_users(admin)["Логин"])

    _act(admin, GUARDIAN_LOGIN, "Снять блокировку входа", "Позвонил, личность проверена")
    assert any("разблокирован" in s.value for s in admin.success)
    assert _state(factory, GUARDIAN_LOGIN).locked_until is None

    _act(admin, GUARDIAN_LOGIN, "Выдать новый код активации", "Потерян листок с паролем")
    # The old password and sessions stop at once: nothing happens before the admin's word.
    assert any("Прежний пароль и все сеансы" in w.value for w in admin.warning)
    assert _state(factory, GUARDIAN_LOGIN).status is AccountStatus.ACTIVE
    admin.button(key="users_reissue_no").click().run()
    assert not any("Прежний пароль и все сеансы" in w.value for w in admin.warning)
    _act(admin, GUARDIAN_LOGIN, "Выдать новый код активации", "")
    admin.button(key="users_reissue_yes").click().run()
    assert any("причину" in e.value for e in admin.error)
    _act(admin, GUARDIAN_LOGIN, "Выдать новый код активации", "Потерян листок с паролем")
    admin.button(key="users_reissue_yes").click().run()
    assert any("Новый код активации" in w.value for w in admin.warning)
    # The demo's address is this computer's: the slip's address would not open elsewhere.
    assert any("Адрес школы для входа не задан" in w.value for w in admin.warning)
    assert _state(factory, GUARDIAN_LOGIN).status is AccountStatus.ISSUED


@pytest.mark.parametrize("login", ["zavuch", "klassruk", "uchitel", GUARDIAN_LOGIN, "uchenik"])
def test_users_page_is_refused_to_everyone_but_the_admin(logged_in, login):
    with pytest.raises(ValueError):
        logged_in(login).switch_page("app_pages/users.py").run()


def test_class_list_opening_is_logged_once_and_shown_to_the_admin(logged_in, factory):
    teacher = logged_in("klassruk")
    teacher.switch_page("app_pages/my_class.py").run()
    teacher.run()  # a rerun of the same page is not a second opening
    assert not teacher.exception
    with factory() as session:
        rows = session.scalars(select(DataAccessLog.kind)).all()
    assert rows == [DataAccess.CLASS_LIST]
    admin = logged_in("admin")
    admin.switch_page("app_pages/data_access.py").run()
    admin.text_input(key="access_user_search").input("klassruk").run()
    assert not admin.exception
    log = next(df.value for df in admin.dataframe if "Что открыто" in df.value.columns)
    assert list(log["Что открыто"]) == ["список класса"]
    with pytest.raises(ValueError):
        teacher.switch_page("app_pages/data_access.py").run()


def _choose(at, login: str) -> None:
    chosen = at.selectbox(key="users_chosen")
    chosen.set_value(next(o for o in chosen.options if f"({login})" in o)).run()


def _roles_of(factory, login: str) -> frozenset[Role]:
    return _state(factory, login).roles


def _set_roles(at, user_id: int, roles: list[Role], reason: str) -> None:
    at.multiselect(key=f"users_roles_{user_id}").set_value(roles)
    at.text_input(key="users_roles_reason").input(reason)
    next(b for b in at.button if b.label == "Сохранить роли").click().run()
    assert not at.exception


def test_admin_edits_roles_with_a_reason_and_not_their_own_admin_role(logged_in, factory):
    with factory() as session:
        teacher = session.scalar(select(UserAccount).where(UserAccount.login == "uchitel"))
        admin_id = session.scalar(select(UserAccount.id).where(UserAccount.login == "admin"))
        assert teacher is not None and admin_id is not None
        teacher_id, before = teacher.id, teacher.roles
    admin = logged_in("admin")
    admin.switch_page("app_pages/users.py").run()
    _choose(admin, "uchitel")
    _set_roles(admin, teacher_id, [*before, Role.DEPUTY_HEAD], "")
    assert any("причину" in e.value for e in admin.error)
    assert _roles_of(factory, "uchitel") == before
    _set_roles(admin, teacher_id, [*before, Role.DEPUTY_HEAD], "Приказ № 41")
    assert any("Сеансы пользователя завершены" in s.value for s in admin.success)
    assert _roles_of(factory, "uchitel") == {*before, Role.DEPUTY_HEAD}

    _choose(admin, "admin")
    _set_roles(admin, admin_id, [Role.TEACHER], "Ухожу в учителя")
    assert any("с самого себя" in e.value for e in admin.error)
    assert Role.ADMIN in _roles_of(factory, "admin")
    assert any(b.label == "Выйти" for b in admin.button)  # still logged in


def test_admin_requires_and_resets_the_second_factor(logged_in, factory):
    enrol_in_database(factory, "uchitel")
    admin = logged_in("admin")
    admin.switch_page("app_pages/users.py").run()
    admin.multiselect(key="users_policy_roles").set_value([Role.TEACHER, Role.ADMIN])
    admin.text_input(key="users_policy_reason").input("Приказ о защите ПДн")
    next(b for b in admin.button if b.label == "Сохранить требование").click().run()
    assert any("Требование сохранено" in s.value for s in admin.success)
    with factory() as session:
        assert required_roles(session) == {Role.TEACHER, Role.ADMIN}

    _choose(admin, "uchitel")
    users = _users(admin)
    assert list(users.loc[users["Логин"] == "uchitel", "Второй фактор"]) == ["да"]
    admin.text_input(key="users_second_factor_reason").input("Потерян телефон")
    next(b for b in admin.button if b.label == "Сбросить второй фактор").click().run()
    assert any("Все сеансы завершатся" in w.value for w in admin.warning)
    assert _state(factory, "uchitel").totp_secret is not None  # not before the answer
    admin.button(key="users_second_factor_reset_yes").click().run()
    assert any("сброшен" in s.value for s in admin.success)
    assert _state(factory, "uchitel").totp_secret is None


def test_admin_adding_a_role_to_self_stays_logged_in_with_the_new_menu(logged_in, factory):
    with factory() as session:
        admin_id = session.scalar(select(UserAccount.id).where(UserAccount.login == "admin"))
    admin = logged_in("admin")
    admin.switch_page("app_pages/users.py").run()
    admin.text_input(key="users_search").input("admin").run()
    _choose(admin, "admin")
    _set_roles(admin, admin_id, [Role.ADMIN, Role.DEPUTY_HEAD], "Совмещение должностей")
    assert _roles_of(factory, "admin") == {Role.ADMIN, Role.DEPUTY_HEAD}
    admin.run()
    assert any(b.label == "Выйти" for b in admin.button)
    admin.switch_page("app_pages/timetable.py").run()  # a deputy head's page
    assert not admin.exception
