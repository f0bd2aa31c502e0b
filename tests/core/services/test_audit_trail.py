"""The change log as school IT reads it: names, Russian titles, school time, filters, paging."""

from __future__ import annotations

from datetime import timedelta

from klassruk.clock import school_today
from klassruk.services.audit_trail import ChangeFilter, change_authors, change_log, count_changes
from tests.factories import actor_of
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
    assert "значение: 4" in row.changes and "вид: работа на уроке" in row.changes
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
    # Writes of system processes are named as such, not as raw logins.
    assert any(r.who == "система (test)" for r in change_log(
        session, admin, filters=ChangeFilter(), timezone=ZONE, limit=1000))
