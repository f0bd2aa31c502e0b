"""The new school year on a demo school: the plan, the apply, last year's journal after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import DemoSize
from klassruk.demo.credentials import class_of_featured_teacher
from klassruk.errors import Conflict, DomainError, PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.journal import Grade, Lesson
from klassruk.models.school import Enrolment, GuardianLink, ReportingPeriod, SchoolClass, SchoolYear
from klassruk.services import calendar
from klassruk.services.class_journal.summary import class_summary
from klassruk.services.journal import add_grade
from klassruk.services.school_year.closing import block_due_leavers
from klassruk.services.school_year.rollover import apply_rollover, plan_rollover
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY

SIZE = DemoSize(grades=(7, 9, 11), classes_per_grade=1, students_per_class=4)
SUMMER = date(2027, 6, 15)


def seed(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SIZE)


def to_summer(frozen_clock) -> None:
    frozen_clock.move_to(datetime(2027, 6, 15, 7, 0, tzinfo=UTC))


def numbers(session: Session, class_id: int) -> list[tuple]:
    """Every figure of a class's summary for every period of its year, as the deputy head sees."""
    deputy = actor_of(session, "zavuch")
    school_class = session.get(SchoolClass, class_id)
    assert school_class is not None
    result = []
    for period_id in session.scalars(
        select(ReportingPeriod.id)
        .where(ReportingPeriod.school_year_id == school_class.school_year_id)
        .order_by(ReportingPeriod.starts_on)
    ):
        summary = class_summary(session, deputy, class_id=class_id, period_id=period_id)
        result.append((
            summary.students,
            sorted((k, v) for k, v in summary.cells.items()),
            sorted(summary.totals.items()),
        ))
    return result


def ninth_grader(session: Session) -> int:
    return session.scalars(
        select(Enrolment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(SchoolClass.grade == 9)
        .order_by(Enrolment.student_id)
    ).first()


def test_the_plan_lists_everything_and_refuses_a_year_still_going(factory):
    seed(factory)
    with unit_of_work(factory, SYSTEM) as session:
        plan = plan_rollover(session, actor_of(session, "admin"), on=TODAY)
    assert plan.year_name == "2026/2027" and plan.new_year_name == "2027/2028"
    assert plan.new_starts_on == date(2027, 9, 1)
    assert any("ещё идёт" in b for b in plan.blockers)
    assert plan.periods_to_close == ("2 четверть", "3 четверть", "4 четверть")
    assert [(m.name, m.new_name) for m in plan.moves] == [
        ("7А", "8А"), ("9А", "10А"), ("11А", None)
    ]
    assert len(plan.moves[2].leaving) == 4 and plan.moves[1].leaving == ()
    assert plan.year_grades and all(g.missing for g in plan.year_grades)  # no 3rd, 4th quarter
    assert plan.enrolments_ended == 12 and plan.groups_ended > 3
    assert plan.leavers_block_on == date(2027, 8, 31)
    text = "\n".join(plan.describe())
    assert "7А → 8А" in text and "Выпускники: 4" in text
    # Each pupil once: a sum over subjects counted a school of 12 as a hundred-odd pupils.
    pupils = len({(g.class_name, name) for g in plan.year_grades for name in g.missing})
    assert pupils <= plan.enrolments_ended
    assert f"обучающихся, у которых не хватает оценок: {pupils} (" in text
    with unit_of_work(factory, SYSTEM) as session, pytest.raises(DomainError, match="ещё идёт"):
        apply_rollover(session, actor_of(session, "admin"), plan=plan, on=TODAY, now=utcnow())


def test_only_the_admin_rolls_the_year_over(factory):
    seed(factory)
    with unit_of_work(factory, SYSTEM) as session:
        for login in ("zavuch", "klassruk", "roditel"):
            with pytest.raises(PermissionDenied):
                plan_rollover(session, actor_of(session, login), on=TODAY)


def test_the_rollover_promotes_graduates_and_keeps_last_years_journal(factory, frozen_clock):
    seed(factory)
    with unit_of_work(factory, SYSTEM) as session:
        own_class = class_of_featured_teacher(session).id
        classes = list(session.scalars(select(SchoolClass.id)))
        before = {class_id: numbers(session, class_id) for class_id in classes}
        leaving_ninth = ninth_grader(session)
        grades_before = session.scalar(select(func.count(Grade.id)))
    to_summer(frozen_clock)
    with unit_of_work(factory, SYSTEM) as session:
        admin = actor_of(session, "admin")
        plan = plan_rollover(session, admin, on=SUMMER, ninth_leavers=[leaving_ninth])
        assert plan.blockers == ()
        assert [len(m.leaving) for m in plan.moves] == [0, 1, 4]
        apply_rollover(session, admin, plan=plan, on=SUMMER, now=utcnow())
    with unit_of_work(factory, SYSTEM) as session:
        old, new = session.scalars(select(SchoolYear).order_by(SchoolYear.starts_on)).all()
        assert old.closed_at is not None and not old.is_current and new.is_current
        assert calendar.current_year(session).name == "2027/2028"
        assert all(p.is_closed for p in old.periods) and len(new.periods) == 4
        assert not any(p.is_closed for p in new.periods)
        assert new.periods[0].starts_on == date(2027, 9, 1)
        new_classes = {
            c.name: c for c in session.scalars(
                select(SchoolClass).where(SchoolClass.school_year_id == new.id)
            )
        }
        assert set(new_classes) == {"8А", "10А"}
        counts = dict(session.execute(
            select(SchoolClass.grade, func.count(Enrolment.id))
            .join(Enrolment, Enrolment.class_id == SchoolClass.id)
            .where(SchoolClass.school_year_id == new.id)
            .group_by(SchoolClass.grade)
        ).all())
        assert counts == {8: 4, 10: 3}
        assert session.scalar(
            select(func.count(Enrolment.id))
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(SchoolClass.school_year_id == old.id, Enrolment.ends_on != old.ends_on)
        ) == 0
        # Last year's journal: the same numbers for everyone who reads it, nothing lost.
        assert {class_id: numbers(session, class_id) for class_id in classes} == before
        assert session.scalar(select(func.count(Grade.id))) == grades_before
        teacher = actor_of(session, "klassruk")
        old_period = old.periods[0].id
        assert class_summary(session, teacher, class_id=own_class, period_id=old_period)
        # ...and nobody writes into it, the deputy head's corrections included.
        lesson = session.scalars(
            select(Lesson).where(Lesson.lesson_date < date(2026, 10, 1)).order_by(Lesson.id)
        ).first()
        student = session.scalars(
            select(Enrolment.student_id).join(
                SchoolClass, SchoolClass.id == Enrolment.class_id
            ).where(SchoolClass.id == own_class)
        ).first()
        for login in ("zavuch", "uchitel"):
            with pytest.raises(DomainError, match="закрыт"):
                add_grade(
                    session, actor_of(session, login), lesson_id=lesson.id,
                    student_id=student, value=5, reason="исправление",
                )
        with pytest.raises(DomainError, match="закрыт"):
            calendar.set_period_closed(
                session, actor_of(session, "zavuch"), period_id=old_period, closed=False
            )
        # Guardians' links are untouched: families still reach their children's past years.
        assert session.scalar(
            select(func.count(GuardianLink.id)).where(GuardianLink.ends_on.is_not(None))
        ) == 0


def test_a_second_rollover_and_a_changed_plan_are_refused(factory, frozen_clock):
    seed(factory)
    to_summer(frozen_clock)
    with unit_of_work(factory, SYSTEM) as session:
        plan = plan_rollover(session, actor_of(session, "admin"), on=SUMMER)
    with unit_of_work(factory, SYSTEM) as session:
        # The shown plan no longer matches what the database gives for its choices.
        changed = replace(plan, ninth_leavers=(ninth_grader(session),))
    with unit_of_work(factory, SYSTEM) as session, pytest.raises(Conflict):
        apply_rollover(session, actor_of(session, "admin"), plan=changed, on=SUMMER, now=utcnow())
    with unit_of_work(factory, SYSTEM) as session:
        apply_rollover(session, actor_of(session, "admin"), plan=plan, on=SUMMER, now=utcnow())
    with unit_of_work(factory, SYSTEM) as session, pytest.raises(DomainError, match="уже закрыт"):
        apply_rollover(session, actor_of(session, "admin"), plan=plan, on=SUMMER, now=utcnow())
    with unit_of_work(factory, SYSTEM) as session:
        # The current year is now the new one, which has not even begun.
        again = plan_rollover(session, actor_of(session, "admin"), on=SUMMER)
        assert again.year_name == "2027/2028" and any("ещё идёт" in b for b in again.blockers)


def test_leavers_accounts_block_on_the_set_day(factory, frozen_clock):
    seed(factory)
    to_summer(frozen_clock)
    with unit_of_work(factory, SYSTEM) as session:
        admin = actor_of(session, "admin")
        early = plan_rollover(session, admin, on=SUMMER, leavers_block_on=date(2027, 5, 1))
        assert any("после конца учебного года" in b for b in early.blockers)
        plan = plan_rollover(session, admin, on=SUMMER, leavers_block_on=date(2027, 7, 1))
        assert plan.leaver_accounts > 0
        apply_rollover(session, admin, plan=plan, on=SUMMER, now=utcnow())
    with unit_of_work(factory, SYSTEM) as session:
        assert block_due_leavers(session, SYSTEM, on=SUMMER, now=utcnow()) == 0
        assert block_due_leavers(session, SYSTEM, on=date(2027, 7, 1), now=utcnow()) == (
            plan.leaver_accounts
        )
        blocked = session.scalars(
            select(UserAccount).where(UserAccount.status == AccountStatus.BLOCKED)
        ).all()
        assert len(blocked) >= plan.leaver_accounts
        assert all(a.staff_id is None for a in blocked)
        assert block_due_leavers(session, SYSTEM, on=date(2027, 7, 2), now=utcnow()) == 0
        # An account the admin unblocks afterwards (an appeal, a certificate) stays unblocked.
        blocked[0].status = AccountStatus.ACTIVE
    with unit_of_work(factory, SYSTEM) as session:
        assert block_due_leavers(session, SYSTEM, on=date(2027, 7, 3), now=utcnow()) == 0


def test_the_command_prints_the_plan_and_applies_it_only_when_told(
    database_url, factory, frozen_clock, capsys
):
    from klassruk.cli import main

    seed(factory)
    assert main(["--database-url", database_url, "rollover", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "7А → 8А" in out and "препятствие: Учебный год ещё идёт" in out
    assert main(["--database-url", database_url, "rollover", "--apply"]) == 2
    assert "ещё идёт" in capsys.readouterr().err
    to_summer(frozen_clock)
    assert main(["--database-url", database_url, "rollover", "--apply",
                 "--leavers-block-on", "01.07.2027"]) == 0
    assert "текущий — 2027/2028" in capsys.readouterr().out
    with factory() as session:
        assert calendar.current_year(session).name == "2027/2028"
        old = session.scalar(select(SchoolYear).where(SchoolYear.name == "2026/2027"))
        assert old.leavers_block_on == date(2027, 7, 1)
    assert main(["--database-url", database_url, "rollover", "--apply",
                 "--leavers-block-on", "31.02.2027"]) == 2
    assert "не дата" in capsys.readouterr().err
