"""AppTest: the admin's new school year — the plan, the confirmed rollover, every page after it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.models.school import SchoolYear
from klassruk.services.calendar import current_year
from klassruk.services.school_year.rollover import apply_rollover, plan_rollover
from tests.factories import SYSTEM, actor_of
from tests.pages.test_upgrades import _every_page_opens_for_every_role

PAGE = "app_pages/school_year.py"
SUMMER = datetime(2027, 6, 15, 7, 0, tzinfo=UTC)


def _texts(at) -> str:
    return "\n".join(
        [m.value for m in at.markdown] + [w.value for w in at.warning] + [e.value for e in at.error]
    )


def test_during_the_year_the_plan_is_shown_and_the_rollover_is_not_offered(logged_in):
    at = logged_in("admin")
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Новый учебный год"
    text = _texts(at)
    assert "5А → 6А" in text and "7А → 8А" in text
    assert "Учебный год ещё идёт" in text
    assert at.button(key="school_year_apply").disabled
    # The leavers' blocking day starts filled in: empty, it showed the English «dd.mm.yyyy».
    assert at.date_input(key="school_year_block_on").value == date(2027, 8, 31)
    assert "будут заблокированы с 31.08.2027" in text


def test_in_the_summer_the_admin_rolls_over_after_confirming_and_every_page_opens(
    logged_in, factory, frozen_clock, app_env
):
    frozen_clock.move_to(SUMMER)
    at = logged_in("admin")
    at.switch_page(PAGE).run()
    assert not at.button(key="school_year_apply").disabled
    at.button(key="school_year_apply").click().run()
    assert not at.exception
    question = next(w.value for w in at.warning if "Закрыть учебный год" in w.value)
    assert "2026/2027" in question and "2027/2028" in question
    with factory() as session:
        assert current_year(session).name == "2026/2027"  # nothing before the confirmation
    at.button(key="school_year_rollover_yes").click().run()
    assert not at.exception, at.exception
    assert "текущий — 2027/2028" in at.success[0].value
    with factory() as session:
        assert current_year(session).name == "2027/2028"
    _every_page_opens_for_every_role(app_env)


@pytest.mark.parametrize("user", ["zavuch", "klassruk", "roditel"])
def test_the_page_is_the_admins_only(logged_in, user):
    at = logged_in(user)
    with pytest.raises(ValueError):
        at.switch_page(PAGE).run()


def _summary(at) -> list[list[object]]:
    return at.dataframe[0].value.astype(str).values.tolist()


def test_after_the_rollover_last_years_class_journal_and_grades_read_as_before(
    logged_in, factory, frozen_clock
):
    teacher = logged_in("klassruk")
    teacher.switch_page("app_pages/class_journal.py").run()
    before = _summary(teacher)
    period_id = next(b for b in teacher.button_group if b.key == "cj_period").value
    family = logged_in("roditel")
    family.switch_page("app_pages/cabinet_grades.py").run()
    grades_before = [m.value for m in family.markdown]

    frozen_clock.move_to(SUMMER)
    with unit_of_work(factory, SYSTEM) as session:
        admin = actor_of(session, "admin")
        plan = plan_rollover(session, admin, on=SUMMER.date())
        apply_rollover(session, admin, plan=plan, on=SUMMER.date(), now=utcnow())
        old_year = session.scalar(select(SchoolYear.id).where(SchoolYear.name == "2026/2027"))

    teacher = logged_in("klassruk")
    teacher.switch_page("app_pages/class_journal.py").run()
    assert not teacher.exception
    teacher.button_group(key="cj_year").set_value(old_year).run()
    teacher.button_group(key=f"cj_period_{old_year}").set_value(period_id).run()
    assert not teacher.exception, teacher.exception
    assert _summary(teacher) == before

    family = logged_in("roditel")
    family.switch_page("app_pages/cabinet_grades.py").run()
    family.button_group(key="grades_year").set_value(old_year).run()
    family.button_group(key=f"grades_period_{old_year}").set_value(period_id).run()
    assert not family.exception, family.exception
    assert [m.value for m in family.markdown] == grades_before
