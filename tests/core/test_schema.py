"""Migrations: upgrade from an empty database to head, with no drift from the models."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from klassruk.infra.db import make_engine
from klassruk.infra.schema import (
    SchemaState,
    alembic_config,
    is_up_to_date,
    schema_drift,
    schema_problem,
    schema_state,
    upgrade_to_head,
)
from klassruk.models import Base


def test_upgrade_from_empty_to_head_matches_the_models(database_url):
    assert not is_up_to_date(database_url)
    upgrade_to_head(database_url)
    assert is_up_to_date(database_url)
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert schema_drift(database_url) == []


def test_upgrade_is_idempotent(database_url):
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)
    assert is_up_to_date(database_url)


def test_schema_state_tells_empty_behind_current_and_ahead(database_url):
    assert schema_state(database_url) is SchemaState.EMPTY
    command.upgrade(alembic_config(database_url), "0013")
    assert schema_state(database_url) is SchemaState.BEHIND
    assert "python -m klassruk migrate" in (schema_problem(database_url) or "")
    upgrade_to_head(database_url)
    assert schema_state(database_url) is SchemaState.CURRENT
    assert schema_problem(database_url) is None
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff'")
    engine.dispose()
    assert schema_state(database_url) is SchemaState.AHEAD


def test_0015_keeps_one_row_of_each_concurrent_duplicate(database_url):
    from datetime import UTC, date, datetime

    import pytest
    from alembic import command
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from klassruk.infra.schema import alembic_config
    from klassruk.models.accounts import UserAccount
    from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
    from klassruk.models.families import AckChannel, AckKind, Acknowledgement
    from klassruk.models.incidents import IncidentStatus, ReporterKind, SecurityIncident
    from klassruk.models.school import Guardian, Student

    command.upgrade(alembic_config(database_url), "0013")
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    engine = make_engine(database_url)

    def ack(**key):
        return Acknowledgement(guardian_id=1, student_id=1, shown={}, digest="d",
                               channel=AckChannel.WEB, acknowledged_at=at, **key)

    def incident(status):
        return SecurityIncident(
            user_id=1, reporter_kind=ReporterKind.ADMIN, reported_by_login="admin",
            reported_at=at, recorded_at=at, discovered_at=at, how_discovered="—",
            deadline_at=at, reported_in_time=True, status=status,
        )

    def entry(state, corrects_id=None):
        return ConsentEntry(
            subject=ConsentSubject.CHILD, guardian_id=1, student_id=1, state=state,
            signed_on=date(2026, 11, 20), form_number="1", corrects_id=corrects_id,
            reason="ошибка" if corrects_id else None, recorded_at=at, recorded_by="ct",
        )

    try:
        with Session(engine) as session:
            session.add_all([
                Guardian(id=1, last_name="Иванова", first_name="Анна"),
                Student(id=1, last_name="Иванов", first_name="Пётр"),
                UserAccount(id=1, login="ivanova", display_name="Иванова Анна", guardian_id=1),
            ])
            session.flush()
            week = date(2026, 11, 16)
            session.add_all([ack(kind=AckKind.WEEK, week_start=week) for _ in range(3)])
            session.add_all([ack(kind=AckKind.RECOMMENDATION, item_id=7) for _ in range(2)])
            session.add(ack(kind=AckKind.RECOMMENDATION, item_id=8))
            session.add_all([incident(IncidentStatus.OPEN) for _ in range(3)])
            session.add(entry(ConsentState.GIVEN))
            session.flush()
            session.add_all([entry(ConsentState.REFUSED, corrects_id=1) for _ in range(3)])
            session.commit()

        upgrade_to_head(database_url)
        assert schema_drift(database_url) == []
        with Session(engine) as session:
            acks = session.execute(
                select(Acknowledgement.id, Acknowledgement.kind, Acknowledgement.item_id)
                .order_by(Acknowledgement.id)
            ).all()
            incidents = session.execute(
                select(SecurityIncident.id, SecurityIncident.status, SecurityIncident.close_note)
                .order_by(SecurityIncident.id)
            ).all()
            corrections = session.execute(
                select(ConsentEntry.id, ConsentEntry.corrects_id).order_by(ConsentEntry.id)
            ).all()
        # The earliest of each set of copies is kept.
        assert [(a.id, a.kind, a.item_id) for a in acks] == [
            (1, AckKind.WEEK, None), (4, AckKind.RECOMMENDATION, 7), (6, AckKind.RECOMMENDATION, 8)
        ]
        assert [i.status for i in incidents] == [
            IncidentStatus.OPEN, IncidentStatus.CLOSED, IncidentStatus.CLOSED
        ]
        assert "повтор инцидента № 1" in incidents[1].close_note
        # Later corrections follow one another, as recording them in turn would have.
        assert [tuple(c) for c in corrections] == [(1, None), (2, 1), (3, 2), (4, 3)]
        with pytest.raises(IntegrityError), Session(engine) as session:
            session.add(ack(kind=AckKind.WEEK, week_start=week))
            session.commit()
        with pytest.raises(IntegrityError), Session(engine) as session:
            session.add(incident(IncidentStatus.OPEN))
            session.commit()
    finally:
        engine.dispose()


def test_0024_keeps_the_earliest_slot_of_a_teacher_booked_twice(database_url):
    from datetime import date

    import pytest
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from klassruk.models import AuditLog
    from klassruk.models.journal import Lesson, LessonStatus, TimetableSlot
    from klassruk.models.school import GroupKind, SchoolYear, Staff, StudyGroup, Subject

    command.upgrade(alembic_config(database_url), "0023")
    engine = make_engine(database_url)

    def slot(group_id, staff_id, weekday=1, number=2):
        return TimetableSlot(school_year_id=1, group_id=group_id, subject_id=1, staff_id=staff_id,
                             weekday=weekday, lesson_number=number, room="21")

    try:
        with Session(engine) as session:
            session.add(SchoolYear(id=1, name="2026/2027", starts_on=date(2026, 9, 1),
                                   ends_on=date(2027, 5, 31)))
            session.add(Subject(id=1, name="Английский язык", short_name="Англ."))
            session.add_all([Staff(id=i, last_name=f"Учитель{i}", first_name="Анна")
                             for i in (1, 2)])
            session.add_all([StudyGroup(id=i, school_year_id=1, kind=GroupKind.SUBGROUP,
                                        name=f"7А: Английский язык, гр. {i}") for i in (1, 2, 3)])
            session.flush()
            # Teacher 1 twice on Monday, 2nd lesson (slots 1 and 3); teacher 2 is fine.
            session.add_all([slot(1, 1), slot(2, 2), slot(3, 1), slot(3, 1, weekday=2)])
            session.flush()
            session.add(Lesson(group_id=3, subject_id=1, staff_id=1, lesson_date=date(2026, 12, 7),
                               number=2, status=LessonStatus.SCHEDULED, slot_id=3,
                               planned_on=date(2026, 12, 7), topic="Present Simple"))
            session.commit()

        upgrade_to_head(database_url)
        assert schema_drift(database_url) == []
        with Session(engine) as session:
            assert session.scalars(select(TimetableSlot.id).order_by(TimetableSlot.id)).all() == [
                1, 2, 4
            ]
            # The journal keeps the lesson; only its link to the removed slot is gone.
            lesson = session.scalars(select(Lesson)).one()
            assert (lesson.topic, lesson.slot_id) == ("Present Simple", None)
            log = session.scalars(select(AuditLog).where(AuditLog.entity == "timetable_slot")).one()
            assert (log.operation, log.entity_id) == ("delete", "3")
            assert log.actor_login == "migration 0024"
            assert log.changes["group_id"] == 3 and "слоту № 1" in (log.reason or "")
            session.add(slot(1, 1, weekday=2))  # teacher 1 already gives slot 4 then
            with pytest.raises(IntegrityError):
                session.flush()
    finally:
        engine.dispose()
