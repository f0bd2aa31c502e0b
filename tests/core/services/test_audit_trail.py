"""The change log as school IT reads it: names, Russian titles, school time, filters, paging."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Enum, Float, Integer, Table, select

from klassruk.audit.titles import ENUM_TITLES, changes_text, entity_title, field_title, object_title
from klassruk.clock import school_today
from klassruk.models import Base
from klassruk.models.accounts import UserAccount
from klassruk.models.base import UTCDateTime
from klassruk.models.school import ReportingPeriod, Student
from klassruk.services.accounts.login import LockoutPolicy
from klassruk.services.audit_trail import (
    ChangeFilter,
    change_authors,
    change_log,
    count_changes,
    count_logins,
    login_log,
)
from klassruk.services.calendar import set_period_closed
from tests.factories import TEST_PASSWORD, act_as, actor_of, attempt_login, build_two_classes
from tests.schools.journal_school import voided_grade_incident

ZONE = "Asia/Vladivostok"


def test_change_log_reads_in_russian_and_filters(session):
    incident_id = voided_grade_incident(
        session, value=4, how="вход ночью", reason="Недействительно"
    )
    teacher, admin = actor_of(session, "teacher_a"), actor_of(session, "admin")

    by_teacher = ChangeFilter(author_id=teacher.user_id, entity="grade")
    (row,) = change_log(session, admin, filters=by_teacher, timezone=ZONE)
    assert (row.who, row.operation, row.entity) == ("Teacher_A", "создание", "Оценка")
    assert "оценка: 4" in row.changes and "вид: работа на уроке" in row.changes
    assert row.voided_by_incident_id == incident_id

    around = change_log(session, admin, filters=ChangeFilter(incident_id=incident_id),
                        timezone=ZONE)
    assert {(r.who, r.entity) for r in around} >= {
        ("Teacher_A", "Оценка"), ("Admin", "Оценка"), ("Admin", "Учётная запись")
    }
    restore = next(r for r in around if r.who == "Admin" and r.entity == "Оценка")
    assert restore.operation == "удаление" and restore.reason == "Недействительно"

    today = school_today(ZONE)
    assert count_changes(session, admin, filters=ChangeFilter(date_from=today), timezone=ZONE) > 0
    tomorrow = ChangeFilter(date_from=today + timedelta(days=1))
    assert count_changes(session, admin, filters=tomorrow, timezone=ZONE) == 0
    total = count_changes(session, admin, filters=ChangeFilter(), timezone=ZONE)
    first = change_log(session, admin, filters=ChangeFilter(), timezone=ZONE, limit=5)
    second = change_log(session, admin, filters=ChangeFilter(), timezone=ZONE, limit=5, offset=5)
    assert len(first) == 5 and total > 10
    assert first[-1].id > second[0].id
    assert "Teacher_A" in {a.name for a in change_authors(session, admin)}
    # Writes of system processes are named as such, not as raw logins («system:test»).
    assert any(r.who == "система" for r in change_log(
        session, admin, filters=ChangeFilter(), timezone=ZONE, limit=1000))


def _audited_tables() -> list[Table]:
    # Sorted: the registry's mappers are a set, and parallel workers must collect one order.
    tables = [
        mapper.local_table
        for mapper in Base.registry.mappers
        if getattr(mapper.class_, "__audited__", True) and isinstance(mapper.local_table, Table)
    ]
    return sorted(tables, key=lambda table: table.name)


def _sample(column: Column) -> object:
    """A stored value of the column's kind, as the audit log keeps it in JSON."""
    kind = column.type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return next(iter(kind.enum_class)).value
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Float):
        return 1.5
    if isinstance(kind, Integer):
        return 7
    if isinstance(kind, JSON):
        return {"grades": [1, 2]}
    if isinstance(kind, Date):
        return "2026-11-30"
    if isinstance(kind, UTCDateTime | DateTime):
        return "2026-11-30T07:00:00+00:00"
    return "Текст"


@pytest.mark.parametrize("table", _audited_tables(), ids=lambda t: t.name)
def test_every_audited_column_reads_in_russian(table):
    """A new table, column or enum without a Russian title fails here."""
    for column in table.columns:
        assert field_title(column.name, table.name) != column.name, (table.name, column.name)
        enum_class = getattr(column.type, "enum_class", None)
        if enum_class is not None:
            assert set(ENUM_TITLES[enum_class]) == set(enum_class), (table.name, column.name)
    changes = {column.name: {"new": _sample(column)} for column in table.columns}
    text = changes_text("insert", changes, "Europe/Moscow", table=table.name)
    words = set(re.findall(r"[a-z_]+", text))
    assert not words & {column.name for column in table.columns}, text
    assert "1.5" not in text and "True" not in text and "2026-11-30" not in text, text
    shown = object_title(table.name, "1255")
    assert not re.search(rf"{entity_title(table.name)} \d", shown)


def test_the_change_log_names_people_objects_and_values(session):
    voided_grade_incident(session, value=4, how="вход ночью", reason="Недействительно")
    zavuch = act_as(session, "zavuch")
    period = session.scalar(select(ReportingPeriod).where(ReportingPeriod.name == "1 четверть"))
    set_period_closed(session, zavuch, period_id=period.id, closed=True)
    set_period_closed(session, zavuch, period_id=period.id, closed=False)
    admin = actor_of(session, "admin")
    rows = change_log(session, admin, filters=ChangeFilter(), timezone=ZONE, limit=1000)
    logins = {login for (login,) in session.execute(select(UserAccount.login))}
    for row in rows:
        # An account's own login is its data; nobody else is shown by login.
        shown = re.sub(r"логин: [a-z_]+", "", f"{row.object} {row.changes}")
        assert not re.search(r"Учётная запись( №)? \d", shown), shown
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), shown  # no raw column names
        assert not (set(re.findall(r"[a-z_]+", shown)) & logins), shown
    grade = next(r for r in rows if r.entity == "Оценка" and r.operation == "создание")
    assert grade.object.startswith("Оценка: ")
    pupil = session.get(Student, session.scalar(select(Student.id).order_by(Student.id)))
    assert pupil is not None and pupil.last_name in grade.object
    assert "кем создано: Teacher_A" in grade.changes and "вес: 1" in grade.changes
    closed = next(r for r in rows if r.entity == "Отчётный период" and "→ да" in r.changes)
    assert closed.object == "Отчётный период: 1 четверть"
    assert closed.changes == "закрыт: нет → да"
    blocked = next(r for r in rows if r.entity == "Учётная запись")
    assert blocked.object == "Учётная запись: Teacher_A"


def test_a_login_is_not_a_change_and_shows_among_logins(session, factory):
    build_two_classes(session)
    session.commit()
    admin = actor_of(session, "admin")
    before = count_changes(session, admin, filters=ChangeFilter(), timezone=ZONE)
    session.commit()  # SQLite: the logins below write in their own transactions
    policy = LockoutPolicy()
    assert attempt_login(factory, "parent_a", "неверный", policy=policy).user is None
    assert attempt_login(factory, "parent_a", TEST_PASSWORD, policy=policy).user is not None
    session.expire_all()
    assert count_changes(session, admin, filters=ChangeFilter(), timezone=ZONE) == before
    logins = login_log(session, admin, filters=ChangeFilter(), timezone=ZONE)
    assert [(r.who, r.event) for r in logins[:2]] == [
        ("Parent_A", "вход"), ("Parent_A", "неверный пароль или код"),
    ]
    assert count_logins(session, admin, filters=ChangeFilter(), timezone=ZONE) == 2
