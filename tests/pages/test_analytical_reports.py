"""The analytical reports page: the deputy head sends; the class teacher sees it new, opens it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from components.kit.nav import allowed_pages
from klassruk.access.permissions import Actor, Role
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.reports import SentReport
from klassruk.models.school import SchoolClass
from tests.factories import SYSTEM


def _sent_table(at):
    return next(d.value for d in at.dataframe if "Прочитан" in d.value.columns)


def _class_of(factory, login: str) -> str:
    """The name of the class whose class teacher logs in as `login`."""
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        school_class = session.scalar(
            select(SchoolClass)
            .join(UserAccount, UserAccount.staff_id == SchoolClass.class_teacher_id)
            .where(UserAccount.login == login)
        )
        assert school_class is not None
        return school_class.name


def _read_at(factory):
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        return session.scalars(select(SentReport.read_at)).all()


def test_deputy_head_sends_class_teacher_reads_deputy_sees_it_read(logged_in, factory):
    at = logged_in("zavuch").switch_page("app_pages/analytical_reports.py").run()
    assert not at.exception
    assert [m.label for m in at.metric] == [
        "Успеваемость",
        "Качество знаний",
        "СОУ",
        "Средний балл",
    ]
    assert any(b.label == "Скачать PDF" for b in at.get("download_button"))
    own = _class_of(factory, "klassruk")
    at.selectbox(key="ar_class").select(
        next(option for option in at.selectbox(key="ar_class").options if option == own)
    ).run()
    at.button(key="ar_send").click().run()
    assert not at.exception
    assert any("отправлен" in s.value for s in at.success)
    assert _read_at(factory) == [None]
    sent_to = _sent_table(at)
    assert list(sent_to["Прочитан"]) == ["не прочитан"]

    teacher = logged_in("klassruk")
    assert any("Новый аналитический отчёт" in i.value for i in teacher.info)
    teacher.switch_page("app_pages/analytical_reports.py").run()
    assert not teacher.exception
    inbox = teacher.selectbox(key="ar_inbox")
    assert inbox.value is None
    [option] = inbox.options
    assert option.startswith("новый · ")
    inbox.select_index(0).run()
    assert not teacher.exception
    assert [m.label for m in teacher.metric][:3] == ["Успеваемость", "Качество знаний", "СОУ"]
    assert _read_at(factory)[0] is not None

    at.run()
    read = _sent_table(at)
    assert list(read["Прочитан"]) != ["не прочитан"]
    assert read["Кем"].iloc[0]


@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.STUDENT, Role.TEACHER, Role.ADMIN])
def test_the_page_is_not_in_the_menu_of_others(role):
    actor = Actor(login="x", roles=frozenset({role}))
    assert "app_pages/analytical_reports.py" not in {p.path for p in allowed_pages(actor)}


def test_a_class_teacher_without_reports_reads_it_without_a_gendered_verb(logged_in):
    at = logged_in("klassruk").switch_page("app_pages/analytical_reports.py").run()
    # «ещё не присылал» spoke of the (female) deputy head in the masculine.
    shown = [i.value for i in at.info]
    assert shown == ["Аналитических отчётов от заместителя директора пока нет."], shown


def test_a_pupils_line_reads_with_labels(logged_in):
    at = logged_in("zavuch").switch_page("app_pages/analytical_reports.py").run()
    lines = [c.value for c in at.caption if c.value.startswith("Средний балл")]
    assert lines and re.fullmatch(
        r"Средний балл: (\d,\d\d|—)\. Пропущено уроков: \d+, из них по уважительной "
        r"причине: \d+\.",
        lines[0],
    ), lines


def test_a_class_taught_without_marks_reports_attendance_not_dashes(logged_in, factory):
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(update(SchoolClass).values(without_marks=True))
    at = logged_in("zavuch").switch_page("app_pages/analytical_reports.py").run()
    own = _class_of(factory, "klassruk")
    at.selectbox(key="ar_class").select(own).run()
    assert not at.exception
    assert any(f"{own} классе безотметочное обучение" in i.value for i in at.info)
    assert not at.metric  # no success, quality or average of dashes
    tables = [d.value for d in at.dataframe]
    assert not any("Список" in t.columns for t in tables)  # no «Отличники: нет»
    attendance = next(t for t in tables if "Пропущено уроков" in t.columns)
    assert len(attendance) > 0
    assert any(c.value.startswith("Безотметочное обучение. Пропущено уроков:") for c in at.caption)
