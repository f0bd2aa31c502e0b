"""The teacher's start on the home page: the day's lessons, what is missing, a jump to each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.journal import Lesson
from tests.factories import SYSTEM
from tests.frozen import FROZEN_AT, TODAY


def _lessons_on(factory, login: str, day) -> int:
    with unit_of_work(factory, SYSTEM) as session:
        staff = select(UserAccount.staff_id).where(UserAccount.login == login)
        return session.scalar(
            select(func.count()).select_from(Lesson)
            .where(Lesson.staff_id.in_(staff), Lesson.lesson_date == day)
        )


def _jumps(at) -> list:  # type: ignore[type-arg]
    return [b for b in at.button if b.label == "В журнал"]


def test_the_teacher_starts_from_today_and_jumps_to_a_lessons_journal(logged_in, factory):
    at = logged_in("uchitel")
    assert not at.exception
    assert "Уроки сегодня, Пн, 30.11.2026" in [s.value for s in at.subheader]
    count = _lessons_on(factory, "uchitel", TODAY)
    assert count and len(_jumps(at)) == count
    shown = [m.value for m in at.markdown]
    assert {"**Тема**", "**Задание**", "**Отсутствуют**"} <= set(shown)
    assert any(value in {":green[есть]", ":red[нет]"} for value in shown)
    groups = [m.value for m in at.markdown if "класс" in m.value or "гр." in m.value]
    _jumps(at)[-1].click()
    at = at.run()
    assert not at.exception
    assert at.title[0].value == "Журнал"
    chosen = at.selectbox(key="journal_assignment")
    # The journal opens on the group of the lesson that was clicked.
    assert chosen.value is not None
    assert chosen.format_func(chosen.value).startswith(groups[-1].replace("\\", ""))


def test_on_a_day_without_lessons_the_next_school_day_is_shown(logged_in, factory, frozen_clock):
    frozen_clock.move_to(FROZEN_AT + timedelta(days=6))  # Sunday 06.12.2026
    at = logged_in("uchitel")
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert "Ближайшие уроки: Пн, 07.12.2026" in headings, headings
    assert "Сегодня, Вс, 06.12.2026, у вас уроков нет." in [c.value for c in at.caption]
    assert len(_jumps(at)) == _lessons_on(factory, "uchitel", TODAY + timedelta(days=7)) > 0
