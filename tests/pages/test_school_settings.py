"""AppTest: the admin sets the address users type; the slips print it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from components.kit.text import escape
from klassruk.clock import utcnow
from klassruk.operations.backup import make_backup
from klassruk.services.school_settings import read_school_settings

ADDRESS = "https://klassruk.school17.example"
LABEL = "Адрес Классрука для пользователей"


def _save(at, address: str):
    next(t for t in at.text_input if t.label == LABEL).input(address)
    next(b for b in at.button if b.label == "Сохранить").click()
    return at.run()


def test_admin_sets_the_address_and_the_slips_print_it(logged_in, factory):
    admin = logged_in("admin")
    admin.switch_page("app_pages/school_settings.py").run()
    assert not admin.exception
    assert admin.title[0].value == "Настройки школы"
    _save(admin, f"{ADDRESS}/")
    assert not admin.exception
    assert admin.success[0].value == escape(f"Адрес сохранён: {ADDRESS}")
    assert next(t for t in admin.text_input if t.label == LABEL).value == ADDRESS

    teacher = logged_in("klassruk")
    teacher.switch_page("app_pages/credentials.py").run()
    people = teacher.multiselect(key="cred_people")
    people.set_value([people.options[0]]).run()
    teacher.button(key="cred_issue_selected").click().run()
    assert not teacher.exception
    pdf = teacher.session_state["cred_last_issue"]["pdf"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Адрес: {ADDRESS}" in " ".join(text.split())


def test_a_bad_address_shows_a_message_and_keeps_the_old_one(logged_in, factory):
    admin = logged_in("admin")
    admin.switch_page("app_pages/school_settings.py").run()
    before = next(t for t in admin.text_input if t.label == LABEL).value
    _save(admin, "школа17.рф")
    assert not admin.exception
    assert admin.error[0].value.startswith("Адрес должен начинаться с http")
    with factory() as session:
        assert read_school_settings(session).app_url in {"", before}


def test_admin_sets_the_time_zone_and_the_school_day_follows_it(logged_in, factory, frozen_clock):
    frozen_clock.move_to(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))  # 23:00 in Moscow

    def teachers_day() -> str:
        return " ".join(s.value for s in logged_in("uchitel").subheader)

    assert "30.11.2026" in teachers_day()
    admin = logged_in("admin")
    admin.switch_page("app_pages/school_settings.py").run()
    zone = admin.selectbox(key="school_tz")
    assert zone.value == "Europe/Moscow"
    assert "МСК+4 (UTC+7): Новосибирск" in " ".join(zone.options)
    zone.set_value("Asia/Novosibirsk")
    next(b for b in admin.button if b.label == "Сохранить часовой пояс").click()
    admin.run()
    assert not admin.exception
    assert admin.success[0].value.startswith("Часовой пояс сохранён: МСК+4 (UTC+7)")
    with factory() as session:
        assert read_school_settings(session).timezone == "Asia/Novosibirsk"
    assert "30.11.2026" not in teachers_day()  # 03:00 on Tuesday in Novosibirsk


@pytest.mark.parametrize("user", ["klassruk", "zavuch"])
def test_the_page_is_not_offered_to_staff_other_than_the_admin(logged_in, user):
    at = logged_in(user)
    with pytest.raises(ValueError):
        at.switch_page("app_pages/school_settings.py").run()


def test_admin_sees_the_newest_backup_and_a_warning_when_it_is_stale(
    logged_in, app_env, tmp_path, frozen_clock
):
    admin = logged_in("admin")
    admin.switch_page("app_pages/school_settings.py").run()
    assert any("Резервных копий нет" in w.value for w in admin.warning)
    made = make_backup(app_env, tmp_path / "data" / "backups")
    admin.run()
    assert not [w for w in admin.warning if "копи" in w.value]
    assert any("Последняя копия: 30.11.2026" in s.value for s in admin.success)
    frozen_clock.move_to(utcnow() + timedelta(days=2))
    admin.run()
    assert any("старше суток" in w.value for w in admin.warning)
    assert made.path.exists()


def _address_warnings(at) -> list[str]:
    return [w.value for w in at.warning if "Адрес школы для входа не задан" in w.value]


def test_slips_warn_where_to_set_the_address_until_the_admin_sets_a_public_one(logged_in):
    teacher = logged_in("klassruk")
    teacher.switch_page("app_pages/credentials.py").run()
    assert not teacher.exception
    # The demo runs with the deployment's default address, this computer's.
    [warning] = _address_warnings(teacher)
    assert "localhost" in warning and "Администрирование → Настройки школы" in warning
    assert warning.endswith("(это делает администратор).")
    admin = logged_in("admin")
    assert _address_warnings(admin)  # the admin's home says it too
    # The administrator is not told that the administrator does it.
    assert not [w for w in _address_warnings(admin) if "это делает администратор" in w]
    # The notification e-mails' links carry the address as well.
    assert _address_warnings(admin.switch_page("app_pages/notification_status.py").run())
    admin.switch_page("app_pages/school_settings.py").run()
    assert _address_warnings(admin)
    _save(admin, "http://127.0.0.1:8501")
    assert admin.success and _address_warnings(admin)
    _save(admin, ADDRESS)
    assert not _address_warnings(admin)
    teacher.switch_page("app_pages/credentials.py").run()
    assert not _address_warnings(teacher)
    assert not _address_warnings(admin.switch_page("app_pages/notification_status.py").run())
