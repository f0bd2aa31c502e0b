"""AppTest: reporting a compromise, the admin's handling of the incident, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.demo.catalogue import GUARDIAN_LOGIN, STUDENT_LOGIN
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.incidents import SecurityIncident
from klassruk.models.journal import Grade
from klassruk.services.accounts.sessions import actor_for
from tests.pages.conftest import open_app

HOW = "Родитель позвонил: пароль записан на листке, листок потерян"
# The demo's parent has children in two classes: only the admin blocks such a parent (as on the
# credentials board), so the class teacher's reports here are about the 7А pupil's account.
REPORTED = STUDENT_LOGIN


def _account(factory, login: str) -> UserAccount:
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == login))
        assert user is not None
        return user


def _report_as_class_teacher(at, login: str, *, since=None) -> None:
    at.switch_page("app_pages/incidents.py").run()
    assert not at.exception
    account = at.selectbox(key="incident_account")
    account.set_value(next(o for o in account.options if f"({login})" in o)).run()
    # Form fields are sent with the submit: fill them after the last rerun before it.
    if since is not None:
        at.checkbox(key="incident_report_known").check()
        at.date_input(key="incident_report_since_day").set_value(since)
    at.text_area(key="incident_report_how").input(HOW)
    next(b for b in at.button if b.label == "Сообщить о компрометации").click().run()
    assert not at.exception


def _grade_changed_with(factory, login: str) -> tuple[int, int]:
    """A grade changed with the account (as the attacker would): (grade id, old value)."""
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == login))
        actor = actor_for(user, session_id="stolen")
    with unit_of_work(factory, actor) as session:
        grade = session.scalar(select(Grade).where(Grade.value < 5).order_by(Grade.id).limit(1))
        assert grade is not None
        old = grade.value
        grade.value = 5
        grade_id = grade.id
    return grade_id, old


def test_class_teacher_reports_a_pupil_who_is_logged_out_and_management_is_notified(
    logged_in, factory
):
    parent = logged_in(REPORTED)
    assert [t.value for t in parent.title] == ["Главная"]
    teacher = logged_in("klassruk")
    _report_as_class_teacher(teacher, REPORTED)
    assert any("зарегистрирован" in s.value for s in teacher.success)
    assert _account(factory, REPORTED).status is AccountStatus.BLOCKED
    # The parent's open session ends on the next action.
    parent.run()
    assert "Вход" in [s.value for s in parent.subheader]
    # The admin and the deputy head see the notice on their home page.
    for login in ("admin", "zavuch"):
        home = logged_in(login)
        notices = [m.value for m in home.markdown if "Инцидент №" in m.value]
        assert notices and REPORTED in notices[0]
        next(b for b in home.button if b.label == "Прочитано").click().run()
        assert not [m.value for m in home.markdown if "Инцидент №" in m.value]


def test_admin_voids_the_operations_restores_the_grade_and_reinstates(logged_in, factory):
    admin = logged_in("admin")
    suspected = utcnow()
    grade_id, old = _grade_changed_with(factory, REPORTED)
    teacher = logged_in("klassruk")
    _report_as_class_teacher(teacher, REPORTED, since=(suspected - timedelta(days=1)).date())

    admin.switch_page("app_pages/incidents.py").run()
    assert not admin.exception
    admin.radio(key="void_from").set_value(admin.radio(key="void_from").options[1]).run()
    assert any("будут признаны недействительными: 1" in c.value for c in admin.caption)
    next(b for b in admin.button if "Признать недействительными" in b.label).click().run()
    assert any(REPORTED in w.value and ": 1?" in w.value for w in admin.warning)
    with factory() as session:
        assert session.get(Grade, grade_id).value != old  # nothing voided before the answer
    admin.button(key="incident_void_yes").click().run()
    assert not admin.exception
    assert any("данные восстановлены: 1" in s.value for s in admin.success)
    voided = next(df.value for df in admin.dataframe if "Итог" in df.value.columns)
    assert list(voided["Итог"]) == ["восстановлено"]
    assert list(voided["Изменения"]) == [f"оценка: {old} → 5"]
    assert voided["Объект"][0].startswith("Оценка: ") and "№" not in voided["Объект"][0]
    with factory() as session:
        assert session.get(Grade, grade_id).value == old

    close = next(t for t in admin.text_area if t.label == "Заключение")
    close.input("Пароль был записан на листке; доступ восстановлен новым кодом")
    next(b for b in admin.button if b.label == "Закрыть инцидент").click().run()
    assert not admin.exception
    assert any("Новый код активации" in w.value for w in admin.warning)
    assert "Скачать листок с кодом (PDF)" in [b.proto.label for b in admin.get("download_button")]
    assert _account(factory, REPORTED).status is AccountStatus.ISSUED
    with factory() as session:
        assert session.scalar(select(SecurityIncident.close_note)).startswith("Пароль")


def test_a_parent_shared_with_another_class_is_left_to_the_admin(logged_in, factory):
    teacher = logged_in("klassruk")
    _report_as_class_teacher(teacher, GUARDIAN_LOGIN)
    assert any("только администратор" in e.value for e in teacher.error)
    assert _account(factory, GUARDIAN_LOGIN).status is AccountStatus.ACTIVE


def test_a_user_reports_own_account_from_the_profile(logged_in, factory):
    parent = logged_in(GUARDIAN_LOGIN)
    parent.switch_page("app_pages/profile.py").run()
    parent.text_area(key="self_report_how").input("В дневнике появились чужие отметки")
    next(b for b in parent.button if b.label == "Сообщить о компрометации").click().run()
    assert not parent.exception
    assert _account(factory, GUARDIAN_LOGIN).status is AccountStatus.BLOCKED
    assert "Вход" in [s.value for s in parent.subheader]
    # The login form says what happened and what comes next, once.
    (notice,) = [w.value for w in parent.warning]
    assert "Вы сообщили о компрометации своей учётной записи, инцидент № 1" in notice
    assert "Учётная запись заблокирована" in notice
    assert "классный руководитель свяжется с вами" in notice
    assert "новый код активации" in notice
    parent.run()
    assert not parent.warning and "Вход" in [s.value for s in parent.subheader]


@pytest.mark.parametrize("login", [GUARDIAN_LOGIN, "uchenik", "uchitel"])
def test_families_and_teachers_have_no_incidents_page(logged_in, login):
    at = logged_in(login)
    with pytest.raises(ValueError):
        at.switch_page("app_pages/incidents.py").run()


def test_deputy_head_reads_incidents_but_cannot_handle_or_report_them(logged_in, factory):
    teacher = logged_in("klassruk")
    _report_as_class_teacher(teacher, REPORTED)
    deputy = logged_in("zavuch")
    deputy.switch_page("app_pages/incidents.py").run()
    assert not deputy.exception
    labels = {b.label for b in deputy.button}
    assert not labels & {"Закрыть инцидент", "Признать недействительными и восстановить данные"}
    assert not [s for s in deputy.selectbox if s.key == "incident_account"]
    assert [s.value for s in deputy.subheader if s.value.startswith("Инцидент №")]


def test_the_incident_page_runs_for_its_guard_only(demo_app):
    at = open_app()
    at.run()
    with pytest.raises(ValueError):
        at.switch_page("app_pages/incidents.py").run()


def test_change_log_page_names_people_and_filters_by_incident(logged_in, factory):
    _grade_changed_with(factory, REPORTED)
    teacher = logged_in("klassruk")
    _report_as_class_teacher(teacher, REPORTED)
    admin = logged_in("admin")
    admin.switch_page("app_pages/audit.py").run()
    assert not admin.exception
    log = next(df.value for df in admin.dataframe if "Изменения" in df.value.columns)
    assert not any(who.startswith("system:") for who in log["Кто"])
    admin.number_input(key="audit_incident").set_value(1).run()
    log = next(df.value for df in admin.dataframe if "Изменения" in df.value.columns)
    with factory() as session:
        name = session.scalar(
            select(UserAccount.display_name).where(UserAccount.login == REPORTED)
        )
    # The incident's own record and the block are what handling it wrote.
    objects = set(log["Объект"])
    assert f"Учётная запись: {name}" in objects and len(objects) == 2
    assert any(o.startswith("Инцидент безопасности") for o in objects), objects
    assert "состояние: активна → заблокирована" in " ".join(log["Изменения"])
    assert set(log["Инцидент"]) == {"№ 1"}
    for login in ("zavuch", "klassruk", GUARDIAN_LOGIN):
        with pytest.raises(ValueError):
            logged_in(login).switch_page("app_pages/audit.py").run()
