"""The whole app under AppTest: first run, login per role, allowed and refused pages."""

from __future__ import annotations

import pytest
from alembic import command
from streamlit.testing.v1 import AppTest

from components.kit.nav import PAGES
from klassruk.access.permissions import ROLE_ACTIONS, Role
from klassruk.infra.schema import alembic_config, schema_state
from klassruk.services.accounts.login import find_user_by_login
from tests.pages.conftest import login, open_app

DEMO_LOGINS = {
    Role.ADMIN: "admin",
    Role.DEPUTY_HEAD: "zavuch",
    Role.TEACHER: "uchitel",
    Role.CLASS_TEACHER: "klassruk",
    Role.GUARDIAN: "roditel",
    Role.STUDENT: "uchenik",
}


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.title, *at.header, *at.subheader, *at.caption)]
    parts += [e.value for e in (*at.error, *at.info, *at.success)]
    return "\n".join(str(p) for p in parts)


def test_demo_login_page_lists_demo_accounts(demo_app):
    at = open_app().run()
    assert not at.exception
    logins = at.table[0].value["Логин"].tolist()
    assert set(DEMO_LOGINS.values()) <= set(logins)


def test_wrong_password_shows_generic_message(logged_in):
    at = logged_in("klassruk", "не тот пароль")
    assert at.error[0].value == "Неверный логин или пароль."
    assert any(t.key == "login_login" for t in at.text_input)


@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_each_role_sees_its_allowed_pages_and_is_refused_the_rest(logged_in, factory, role):
    with factory() as session:
        user = find_user_by_login(session, DEMO_LOGINS[role])
        assert user is not None and role in user.roles
        granted = set().union(*(ROLE_ACTIONS[r] for r in user.roles))
    at = logged_in(DEMO_LOGINS[role])
    assert not at.exception, at.exception
    assert at.title[0].value == "Главная"
    for spec in PAGES:
        if spec.action in granted:
            at.switch_page(spec.path).run()
            assert not at.exception, (spec.path, at.exception)
            assert not at.error, (spec.path, [e.value for e in at.error])
        else:
            with pytest.raises(ValueError):
                at.switch_page(spec.path).run()


def test_class_teacher_home_shows_own_class_counts(logged_in):
    at = logged_in("klassruk")
    assert any(s.value.endswith("класс") for s in at.subheader)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Обучающихся"]) > 0


def test_logout_returns_to_the_login_form(logged_in):
    at = logged_in("roditel")
    at.button(key="sign_out").click()
    at.run()
    assert any(t.key == "login_login" for t in at.text_input)


def test_admin_blocks_a_staff_account_on_the_users_page(logged_in):
    at = logged_in("admin")
    at.switch_page("app_pages/users.py").run()
    chosen = at.selectbox(key="users_chosen")
    chosen.select(next(o for o in chosen.options if "(uchitel)" in o)).run()
    at.text_input(key="users_reason").input("Увольнение")
    next(b for b in at.button if b.label == "Заблокировать учётную запись").click().run()
    assert any("«uchitel»" in w.value for w in at.warning) and not at.success
    at.button(key="users_block_yes").click().run()
    assert not at.exception
    assert any("заблокирована" in s.value for s in at.success)
    teacher = login(open_app(), "uchitel")
    assert teacher.error and "заблокирована" in teacher.error[0].value


def test_the_app_refuses_a_database_of_another_schema_version_and_says_what_to_run(
    app_env, engine
):
    config = alembic_config(app_env)
    command.stamp(config, "0013")  # an older release's schema
    at = open_app()
    at.run()
    assert not at.exception
    assert "python -m klassruk migrate" in at.error[0].value
    assert schema_state(app_env).value == "behind"  # nothing migrated behind IT's back
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    at = open_app()
    at.run()
    assert "более новой версией" in at.error[0].value
