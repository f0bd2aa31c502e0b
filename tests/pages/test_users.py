"""AppTest: the admin's user list (search, paging) and its actions, refused to everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.db import unit_of_work
from klassruk.demo import GUARDIAN_LOGIN
from klassruk.models import AccountStatus, DataAccess, DataAccessLog, UserAccount, utcnow
from tests.factories import SYSTEM


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

    _act(admin, GUARDIAN_LOGIN, "Выдать новый код активации", "")
    assert any("причину" in e.value for e in admin.error)
    _act(admin, GUARDIAN_LOGIN, "Выдать новый код активации", "Потерян листок с паролем")
    assert any("Новый код активации" in w.value for w in admin.warning)
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
