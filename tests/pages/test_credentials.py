"""AppTest: the class teacher issues a code for a parent, who activates it and sets a password."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.models.accounts import AccountStatus, UserAccount
from tests.pages.conftest import login, open_app

NEW_PASSWORD = "Пароль родителя 2026"


def _codes_table(at):
    return next(df.value for df in at.dataframe if "Код активации" in df.value.columns)


def _board(at):
    return next(df.value for df in at.dataframe if "Состояние" in df.value.columns)


def test_issue_for_a_parent_then_the_parent_activates_and_sets_a_password(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/credentials.py").run()
    assert not at.exception
    board = _board(at)
    # The demo class shows every account state the board knows.
    assert set(board["Состояние"]) == {
        "активирована", "код выдан", "код просрочен", "заблокирована", "нет учётной записи"
    }
    people = at.multiselect(key="cred_people")
    parent_label = next(o for o in people.options if "родитель" in o and "Афанасьева" not in o)
    parent_name = parent_label.split(" — ")[0]
    people.set_value([parent_label]).run()
    at.button(key="cred_issue_selected").click().run()
    assert not at.exception
    assert "Реквизиты выданы: 1" in at.success[0].value
    assert at.get("download_button")  # the slips PDF is offered
    at.toggle(key="cred_show_codes").set_value(True).run()
    codes = _codes_table(at)
    assert list(codes["ФИО"]) == [parent_name]
    parent_login, code = codes["Логин"][0], codes["Код активации"][0]
    board = _board(at)
    row = board[board["ФИО"] == parent_name].iloc[0]
    assert row["Состояние"] == "код выдан" and row["Логин"] == parent_login

    parent = login(open_app(), f"  {parent_login.upper()} ", code.lower())
    assert not at.exception
    assert [t.value for t in parent.title] == ["Смена пароля"]
    assert not [w for w in parent.text_input if w.key == "pw_current"]
    parent.text_input(key="pw_new").input(NEW_PASSWORD)
    parent.text_input(key="pw_confirm").input(NEW_PASSWORD)
    next(b for b in parent.button if b.label == "Сменить пароль").click().run()
    assert not parent.exception
    assert [t.value for t in parent.title] == ["Главная"]

    at.switch_page("app_pages/credentials.py").run()
    board = _board(at)
    assert board[board["ФИО"] == parent_name].iloc[0]["Состояние"] == "активирована"
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == parent_login))
        assert user.status is AccountStatus.ACTIVE and not user.must_change_password


def test_code_used_again_before_a_password_is_set_resumes_the_activation(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/credentials.py").run()
    people = at.multiselect(key="cred_people")
    student = next(o for o in people.options if "обучающийся" in o and "Афанасьев " not in o)
    people.set_value([student]).run()
    at.button(key="cred_issue_selected").click().run()
    at.toggle(key="cred_show_codes").set_value(True).run()
    codes = _codes_table(at)
    user, code = codes["Логин"][0], codes["Код активации"][0]
    first = login(open_app(), user, code)
    assert [t.value for t in first.title] == ["Смена пароля"]
    # The first browser was closed before a password was set: the same code finishes it.
    second = login(open_app(), user, code)
    assert [t.value for t in second.title] == ["Смена пароля"]
    assert "Текущий пароль" not in [field.label for field in second.text_input]


def test_roster_import_page_offers_templates(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/roster_import.py").run()
    assert not at.exception
    assert at.title[0].value == "Импорт списка класса"
    assert at.selectbox(key="roster_class").options == ["7А"]


def test_pages_are_not_offered_to_a_parent(logged_in):
    import pytest

    at = logged_in("roditel")
    for page in ("app_pages/credentials.py", "app_pages/roster_import.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_second_whole_class_issue_within_the_hour_asks_before_voiding_slips(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/credentials.py").run()
    at.button(key="cred_issue_all").click().run()
    assert not at.exception
    if any(b.key == "cred_recent_replace" for b in at.button):  # demo codes of a moment ago
        at.button(key="cred_recent_replace").click().run()
    assert "Реквизиты выданы" in at.success[0].value
    at.toggle(key="cred_show_codes").set_value(True).run()
    first = _codes_table(at)

    at.button(key="cred_issue_all").click().run()
    warning = next(w.value for w in at.warning if "меньше часа назад" in w.value)
    assert "перестанут действовать" in warning
    with factory() as session:
        teacher = session.scalar(select(UserAccount).where(UserAccount.login == "klassruk"))
    assert teacher.display_name.split()[0] in warning
    at.button(key="cred_recent_skip").click().run()
    assert "Выдавать некому" in at.info[0].value
    # The first slips still work.
    user, code = first["Логин"].iloc[-1], first["Код активации"].iloc[-1]
    assert [t.value for t in login(open_app(), user, code).title] == ["Смена пароля"]

    at.button(key="cred_issue_all").click().run()
    at.button(key="cred_recent_replace").click().run()
    assert "Реквизиты выданы" in at.success[0].value
    user, code = first["Логин"].iloc[0], first["Код активации"].iloc[0]
    again = login(open_app(), user, code)
    assert again.error and [t.value for t in again.title] != ["Смена пароля"]


def test_blocking_asks_for_people_and_a_confirmation_then_reports_the_count(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/credentials.py").run()
    at.button(key="cred_block_selected").click().run()
    assert [e.value for e in at.error] == ["Выберите, чьи учётные записи заблокировать."]
    people = at.multiselect(key="cred_people")
    assert people.placeholder == "Выберите обучающихся и родителей"
    person = next(o for o in people.options if "активирована" in o)
    people.set_value([person]).run()
    at.button(key="cred_block_selected").click().run()
    # Nothing happens before a word naming whom it touches; «Отмена» drops the question.
    question = next(w.value for w in at.warning if w.value.startswith("Заблокировать"))
    assert person.split(" — ")[0] in question and "сеансы завершатся" in question
    assert not at.success
    at.button(key="cred_block_no").click().run()
    assert not [w for w in at.warning if w.value.startswith("Заблокировать")]
    at.button(key="cred_block_selected").click().run()
    at.button(key="cred_block_yes").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Заблокировано учётных записей: 1."]
