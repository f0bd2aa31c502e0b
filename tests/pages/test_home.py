"""AppTest: the home page's sections per role, in Russian, with comma-formatted hours."""

from __future__ import annotations

import re

from sqlalchemy import select

from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.school import Enrolment, SchoolClass
from klassruk.text.formatting import format_number
from tests.factories import SYSTEM
from tests.pages.conftest import teach_a_tenth_grade
from tests.tables import shown


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_admin_sees_the_school_in_figures(logged_in):
    at = logged_in("admin")
    assert not at.exception
    assert [t.value for t in at.title] == ["Главная"]
    assert not at.header  # one role: no heading naming it
    assert {"Классов", "Обучающихся", "Родителей", "Сотрудников"} <= set(_metrics(at))
    tables = [df.value for df in at.dataframe]
    assert any("Учётных записей" in t.columns and "Роль" in t.columns for t in tables)


def test_class_teacher_sees_the_own_class_and_a_link_to_its_list(logged_in):
    at = logged_in("klassruk")
    assert not at.exception
    # Two roles, a heading for each part of the page.
    assert [h.value for h in at.header] == ["Классный руководитель", "Учитель"]
    metrics = _metrics(at)
    assert " из " in metrics["Обучающихся вошли"]
    assert any(s.value.endswith(" класс") for s in at.subheader)


def test_class_teacher_counts_activated_accounts_not_issued_ones(logged_in, factory):
    at = logged_in("klassruk")
    activated, students = map(int, _metrics(at)["Обучающихся вошли"].split(" из "))
    issued = next(c.value for c in at.caption if c.value.startswith("Реквизиты выданы"))
    with unit_of_work(factory, SYSTEM) as session:
        teacher = session.scalar(
            select(UserAccount.staff_id).where(UserAccount.login == "klassruk")
        )
        account = session.scalar(
            select(UserAccount)
            .join(Enrolment, Enrolment.student_id == UserAccount.student_id)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(
                UserAccount.status == AccountStatus.ACTIVE,
                SchoolClass.class_teacher_id == teacher,
            )
            .limit(1)
        )
        assert account is not None
        account.status = AccountStatus.ISSUED  # credentials handed out, never used
    at.run()
    assert _metrics(at)["Обучающихся вошли"] == f"{activated - 1} из {students}"
    assert next(c.value for c in at.caption if c.value.startswith("Реквизиты")) == issued


def test_teacher_sees_the_weekly_hours_with_a_decimal_comma(logged_in):
    at = logged_in("uchitel")
    assert not at.exception
    load = next(df for df in at.dataframe if "Часов в неделю" in df.value.columns)
    hours = list(load.value["Часов в неделю"])  # numbers: they sort as numbers
    assert hours and all("." not in text for text in shown(load)["Часов в неделю"])
    total = sum(hours)
    assert _metrics(at)["Часов в неделю"] == format_number(total)


def test_a_student_home_has_no_heading_naming_the_role(logged_in):
    at = logged_in("uchenik")
    assert not at.exception
    assert "Обучающийся" not in [h.value for h in at.header]


def test_a_teacher_sees_the_groups_by_grade_not_as_text(logged_in, factory):
    teach_a_tenth_grade(factory, "uchitel")
    at = logged_in("uchitel")
    groups = next(df.value for df in at.dataframe if "Группа" in df.value.columns)["Группа"]
    grades = [int(re.match(r"\d+", name).group()) for name in groups if re.match(r"\d+", name)]
    # «10А: Информатика, гр. 2» came before «7А — весь класс».
    assert len(set(grades)) > 1 and grades == sorted(grades), list(groups)
