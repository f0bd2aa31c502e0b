"""Data versions: every committed change of journal data raises the counter, nothing else does."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from klassruk.infra.data_versions import read_version
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models.accounts import AppSetting
from klassruk.models.school import Subject
from tests.factories import SYSTEM


def _version(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        return read_version(session)


def test_a_journal_change_raises_the_version_once_per_transaction(factory):
    assert _version(factory) == 0
    with unit_of_work(factory, SYSTEM) as session:
        session.add(Subject(name="Физика", short_name="Физ"))
        session.flush()
        session.add(Subject(name="Химия", short_name="Хим"))
    assert _version(factory) == 1
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(update(Subject).values(short_name="Ф"))  # bulk, no flush
    assert _version(factory) == 2
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(delete(Subject).where(Subject.name == "Химия"))
    assert _version(factory) == 3


def test_reads_other_data_and_rollbacks_leave_the_version(factory):
    with unit_of_work(factory, SYSTEM) as session:
        session.add(AppSetting(key="school_name", value="Школа № 1"))
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        session.get(Subject, 1)
    with pytest.raises(RuntimeError), unit_of_work(factory, SYSTEM) as session:
        session.add(Subject(name="Физика", short_name="Физ"))
        session.flush()
        raise RuntimeError("the page failed after the change")
    assert _version(factory) == 0
    with unit_of_work(factory, SYSTEM) as session:  # nothing left over from the rollback
        session.add(AppSetting(key="time_zone", value="Europe/Moscow"))
    assert _version(factory) == 0


def test_another_process_sees_the_new_version_with_the_change(database_url, factory):
    other_engine = make_engine(database_url)
    other = make_session_factory(other_engine)
    try:
        before = _version(other)
        with unit_of_work(factory, SYSTEM) as session:
            session.add(Subject(name="Физика", short_name="Физ"))
        assert _version(other) == before + 1
    finally:
        other_engine.dispose()
