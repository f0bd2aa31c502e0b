"""The family cabinet as the demo parent (two children) and the demo student see it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from components.family.acknowledgement import ACKNOWLEDGE_ALL
from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.families import AckKind, Acknowledgement, FamilyActivity, FamilyEvent
from klassruk.models.journal import PlannedTest
from klassruk.models.school import GroupMembership, GuardianLink, Student
from klassruk.services import calendar
from tests.factories import SYSTEM
from tests.frozen import TODAY
from tests.pages.conftest import login, open_app

THIS_WEEK = calendar.week_start(TODAY)


def _text(at) -> str:
    """Everything the page shows as text."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.label for e in at.expander] + [t.value for t in at.text]
    parts += [s.value for s in at.subheader] + [i.value for i in at.info]
    # Markdown of user text comes escaped («К\\.Г\\.»): compare what the reader sees.
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def _children(factory) -> dict[str, int]:
    """The demo parent's children: first name → student id."""
    with unit_of_work(factory, SYSTEM) as session:
        guardian = select(UserAccount.guardian_id).where(UserAccount.login == "roditel")
        rows = session.execute(
            select(Student.first_name, Student.id)
            .join(GuardianLink, GuardianLink.student_id == Student.id)
            .where(GuardianLink.guardian_id.in_(guardian))
        ).all()
    return dict(rows)


def _logged_by(factory, login: str, *where) -> list:
    """The family-activity rows this login wrote (the demo seeds other families' history)."""
    with unit_of_work(factory, SYSTEM) as session:
        user_id = session.scalar(select(UserAccount.id).where(UserAccount.login == login))
        return session.execute(
            select(FamilyActivity.student_id, FamilyActivity.class_id, FamilyActivity.week_start)
            .where(FamilyActivity.user_id == user_id, *where)
        ).all()


def _own_student(factory) -> int:
    with unit_of_work(factory, SYSTEM) as session:
        return session.scalar(select(UserAccount.student_id).where(UserAccount.login == "uchenik"))


def _switch_child(at, student_id: int):
    at.radio[0].set_value(student_id)
    return at.run()


@pytest.fixture
def family(demo_app, factory):
    return factory


def test_parent_home_shows_today_changes_new_grades_homework_per_child(family, logged_in):
    children = _children(family)
    assert len(children) == 2
    at = logged_in("roditel")
    assert not at.exception
    assert len(at.radio[0].options) == 2
    for student_id in children.values():
        at = _switch_child(at, student_id)
        text = _text(at)
        assert "Изменения на сегодня" in text
        assert "Замена: вместо" in text and "объявлено" in text
        assert "Новые оценки с 23.11.2026" in text
        assert "работа на уроке" in text or "устный ответ" in text
        assert "Тема урока" in text
    with unit_of_work(family, SYSTEM) as session:
        opened = session.scalars(
            select(FamilyActivity.student_id).where(FamilyActivity.section == "home")
        ).all()
    assert set(children.values()) <= set(opened)


def test_the_chosen_child_is_kept_across_pages(family, logged_in):
    children = _children(family)
    at = logged_in("roditel")
    second = at.radio[0].options[1]
    at = _switch_child(at, next(i for n, i in children.items() if second.startswith(n)))
    at = at.switch_page("app_pages/cabinet_grades.py").run()
    assert at.radio[0].value == next(i for n, i in children.items() if second.startswith(n))


SECTIONS = [
    ("app_pages/cabinet_grades.py", ["Средний балл", "сумма весов", "вес 1", "· ср. "]),
    ("app_pages/cabinet_homework.py", ["На ближайшие дни", "За прошедшую неделю", "Тема урока"]),
    ("app_pages/cabinet_timetable.py", ["Пн, 30.11.2026", "Замена: вместо", "объявлено"]),
    ("app_pages/cabinet_tests.py", ["Контрольная работа"]),
    ("app_pages/cabinet_teachers.py", ["Классный руководитель", "весь класс"]),
    ("app_pages/cabinet_calendar.py", ["2 четверть", "идёт сейчас", "Зимние каникулы"]),
    ("app_pages/cabinet_recommendations.py", ["Повторить правила"]),
    ("app_pages/cabinet_absences.py", ["-й урок"]),
]


@pytest.mark.parametrize(("page", "expected"), SECTIONS)
def test_parent_sees_every_section_of_each_child(family, logged_in, page, expected):
    at = logged_in("roditel").switch_page(page).run()
    for student_id in _children(family).values():
        at = _switch_child(at, student_id)
        assert not at.exception
        text = _text(at)
        for phrase in expected:
            assert phrase in text, (page, phrase)
        # Weights and numbers the Russian way: «вес 1,5», never «вес 1.5».
        assert not re.search(r"вес \d+\.\d", text), page
    with unit_of_work(family, SYSTEM) as session:
        screens = session.scalar(
            select(FamilyActivity.id).where(FamilyActivity.section.is_not(None)).limit(1)
        )
    assert screens is not None


@pytest.mark.parametrize(("page", "expected"), SECTIONS)
def test_student_sees_every_section_of_self(family, logged_in, page, expected):
    at = logged_in("uchenik").switch_page(page).run()
    assert not at.exception
    assert not at.radio  # nobody else to choose
    text = _text(at)
    for phrase in expected:
        assert phrase in text, (page, phrase)
    viewed = _logged_by(family, "uchenik")
    assert {row[0] for row in viewed} == {_own_student(family)}


def test_absences_name_their_marks_without_a_half_agreed_verb(family, logged_in):
    at = logged_in("roditel").switch_page("app_pages/cabinet_absences.py").run()
    for student_id in _children(family).values():
        text = _text(_switch_child(at, student_id))
        # «болел(а)» makes a mother read a form for both genders about her own son.
        assert "-й урок" in text and "(а)" not in text, text


def test_a_subgroup_is_named_without_repeating_class_and_subject(family, logged_in):
    at = logged_in("uchenik").switch_page("app_pages/cabinet_teachers.py").run()
    lines = [line for line in _text(at).split("\n") if line.startswith("подгруппа")]
    # «подгруппа: 7А: Иностранный язык (английский), гр. 2» said the class and subject twice.
    assert lines and all(re.fullmatch(r"подгруппа «гр\. \d+»", line) for line in lines), lines


def test_student_home_shows_own_day_and_cannot_acknowledge(family, logged_in):
    at = logged_in("uchenik")
    text = _text(at)
    assert "Изменения на сегодня" in text and "Новые оценки" in text
    # Only guardians acknowledge: a student sees no state they could not change.
    assert "Не подтверждено" not in text and "Ознакомлен(а)" not in text
    with pytest.raises(ValueError):
        at.switch_page("app_pages/cabinet_acknowledgements.py").run()
    recommendations = at.switch_page("app_pages/cabinet_recommendations.py").run()
    assert "Повторить правила" in _text(recommendations)
    assert not [b for b in recommendations.button if b.label == "Ознакомлен(а)"]
    assert "Не подтверждено" not in _text(recommendations)
    assert "Ознакомлен(а):" not in _text(recommendations)


def test_grades_show_a_row_per_subject_with_every_grade_at_a_glance(family, logged_in):
    at = logged_in("roditel").switch_page("app_pages/cabinet_grades.py").run()
    assert not at.exception
    # One row per subject, open: no subject hidden behind its own fold.
    assert [e.label for e in at.expander] == ["Подробно: вид работы и вес каждой оценки"]
    rows = [
        line for m in at.markdown for line in str(m.value).split("\n\n") if "· ср. " in line
    ]
    assert len(rows) >= 5
    for row in rows:
        head, marks = row.split("  \n")
        assert re.fullmatch(r"\*\*[^*]+\*\* · ср\. \*\*(\d,\d\d|—)\*\*( · итог \*\*\d\*\*)?", head)
        mark = r"\*\*[1-5]\*\*[дуск]?\u00a0:gray\[:small\[\d\d\.\d\d\]\]"
        assert marks == "—" or re.fullmatch(f"{mark}(\u2003{mark})*", marks), marks


def test_parent_confirms_the_week_and_the_ledger_records_it(family, logged_in):
    children = _children(family)
    at = logged_in("roditel").switch_page("app_pages/cabinet_acknowledgements.py").run()
    first = at.radio[0].options[0]
    student_id = next(i for name, i in children.items() if first.startswith(name))
    assert "Не подтверждено" in _text(at)
    # One button for the week and every single item; the items fold away.
    assert [b.label for b in at.button if "Ознакомлен" in b.label] == [ACKNOWLEDGE_ALL]
    folded = [e.label for e in at.expander]
    assert any(label.startswith("Итоговые оценки: ") for label in folded), folded
    assert any(label.startswith("Рекомендации учителей: ") for label in folded), folded
    next(b for b in at.button if b.label == ACKNOWLEDGE_ALL).click()
    at = at.run()
    assert not at.exception
    assert re.search(r"Ознакомлена?: ", _text(at)) and "Ознакомлен(а):" not in _text(at)
    assert "Всё подтверждено." in _text(at)
    assert not [b for b in at.button if b.label == ACKNOWLEDGE_ALL]
    with unit_of_work(family, SYSTEM) as session:
        ack = session.scalars(
            select(Acknowledgement).where(
                Acknowledgement.student_id == student_id,
                Acknowledgement.week_start == THIS_WEEK,
            )
        ).one()
        account = session.scalar(select(UserAccount).where(UserAccount.login == "roditel"))
        assert ack.kind is AckKind.WEEK
        assert (ack.guardian_id, ack.user_id) == (account.guardian_id, account.id)
        assert ack.shown["grades"] and len(ack.digest) == 64
        events = session.scalars(
            select(FamilyActivity.event).where(FamilyActivity.section == "week")
        ).all()
        # Each single item keeps its own ledger row, signed in the same click.
        items = session.execute(
            select(Acknowledgement.kind, Acknowledgement.item_id).where(
                Acknowledgement.student_id == student_id,
                Acknowledgement.kind != AckKind.WEEK,
            )
        ).all()
    assert [e.value for e in events] == ["ack"]
    kinds = {kind for kind, _ in items}
    assert {AckKind.PERIOD_GRADE, AckKind.RECOMMENDATION, AckKind.TEST_SCHEDULE} <= kinds
    assert len(items) == len(set(items))


def test_a_week_signed_before_a_later_grade_shows_new_content(family, logged_in):
    at = logged_in("roditel").switch_page("app_pages/cabinet_acknowledgements.py").run()
    children = _children(family)
    signed_child = min(children.values())  # the demo signs weeks of the first child by id
    at = _switch_child(at, signed_child)
    at.session_state["acks_week"] = THIS_WEEK - timedelta(days=7)
    at = at.run()
    assert re.search(r"Ознакомлена?: ", _text(at)) and "Ознакомлен(а):" not in _text(at)
    assert "есть новое после подтверждения" not in _text(at)
    at.session_state["acks_week"] = THIS_WEEK - timedelta(days=14)
    at = at.run()
    assert "есть новое после подтверждения" in _text(at)
    assert [b for b in at.button if b.label == ACKNOWLEDGE_ALL]


def test_parent_acknowledges_a_recommendation(family, logged_in):
    at = logged_in("roditel").switch_page("app_pages/cabinet_recommendations.py").run()
    buttons = [b for b in at.button if b.label == "Ознакомлен(а)"]
    assert len(buttons) == 2
    buttons[0].click()
    at = at.run()
    assert len([b for b in at.button if b.label == "Ознакомлен(а)"]) == 1
    with unit_of_work(family, SYSTEM) as session:
        kinds = session.scalars(select(Acknowledgement.kind)).all()
    assert AckKind.RECOMMENDATION in kinds


def test_a_family_login_is_logged_once_per_child_with_the_class(family, logged_in):
    logged_in("roditel")
    logged_in("klassruk")  # staff logins stay out of the families' log
    rows = _logged_by(family, "roditel", FamilyActivity.event == FamilyEvent.LOGIN)
    assert _logged_by(family, "klassruk") == []
    assert {row[0] for row in rows} == set(_children(family).values())
    assert all(row[1] is not None and row[2] == THIS_WEEK for row in rows)


def test_on_a_sunday_home_speaks_of_monday_and_the_timetable_opens_the_coming_week(
    app_env, factory, frozen_clock
):
    frozen_clock.move_to(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))  # Sunday, 12:00 in Moscow
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
    at = login(open_app(), "roditel")
    shown = _text(at)
    assert "Следующий учебный день — Пн, 07.12.2026" in shown
    assert "Сегодня, Вс, 06.12.2026, уроков нет." in shown
    assert "Замена: вместо" in shown
    assert "Сегодня уроки идут по расписанию" not in shown
    at.switch_page("app_pages/cabinet_timetable.py").run()
    assert "Неделя 07.12.2026 – 13.12.2026" in _text(at)


def test_on_a_holiday_in_the_vacation_home_shows_the_grades_given_before_it(
    app_env, factory, frozen_clock
):
    frozen_clock.move_to(datetime(2026, 11, 4, 9, 0, tzinfo=UTC))  # 4 November, autumn vacation
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
    shown = _text(login(open_app(), "roditel"))
    assert "Следующий учебный день — Чт, 05.11.2026" in shown
    assert "Новые оценки с 16.10.2026" in shown  # a week back from Friday 23.10, the last lessons
    assert "Новых оценок нет" not in shown


def test_a_moved_and_a_cancelled_test_show_as_changed_to_the_family(family, logged_in):
    child = _own_student(family)
    with unit_of_work(family, SYSTEM) as session:
        groups = select(GroupMembership.group_id).where(GroupMembership.student_id == child)
        period = calendar.period_for_today(session, TODAY)
        moved, cancelled = session.scalars(
            select(PlannedTest).where(
                PlannedTest.group_id.in_(groups),
                PlannedTest.planned_on.between(period.starts_on, period.ends_on - timedelta(1)),
            )
            .order_by(PlannedTest.planned_on).limit(2)
        ).all()
        first_day = moved.planned_on
        moved.moved_from, moved.planned_on = first_day, first_day + timedelta(days=1)
        cancelled.cancelled_at, cancelled.cancel_reason = utcnow(), "учитель на курсах"
    at = logged_in("uchenik").switch_page("app_pages/cabinet_tests.py").run()
    text = _text(at)
    assert f"перенесена с {first_day.strftime('%d.%m.%Y')}" in text
    assert "отменена: учитель на курсах" in text
