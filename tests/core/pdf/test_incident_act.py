"""The incident act PDF and the Russian names the audit log is shown with."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from klassruk.audit_titles import ENTITY_TITLES, changes_text
from klassruk.models import Base
from klassruk.models.journal import Grade
from klassruk.pdf.incident_act import render_incident_act
from klassruk.services.incidents import (
    close_incident,
    get_incident,
    voided_operations,
)
from tests.factories import actor_of
from tests.schools.journal_school import voided_grade_incident


def test_every_audited_table_has_a_russian_name():
    audited = {
        table.name
        for mapper in Base.registry.mappers
        if getattr(mapper.class_, "__audited__", True)
        for table in [mapper.local_table]
    }
    assert audited - set(ENTITY_TITLES) == set()


def test_changes_read_in_russian_with_titles_and_school_time():
    text = changes_text(
        "update",
        {"status": {"old": "active", "new": "blocked"},
         "locked_until": {"old": None, "new": "2026-11-30T09:00:00+00:00"}},
        "Europe/Moscow",
    )
    assert text == "состояние: активна → заблокирована; вход заблокирован до: — → 30.11.2026 12:00"


def test_the_act_tells_the_whole_story(session):
    incident_id = voided_grade_incident(
        session, value=2, how="Учитель заметил вход из другого города",
        reason="С момента подозрения",
    )
    admin = actor_of(session, "admin")
    close_incident(session, admin, incident_id=incident_id, note="Доступ восстановлен",
                   reinstate=True)
    assert session.scalar(select(Grade)) is None
    pdf = render_incident_act(
        get_incident(session, admin, incident_id),
        voided_operations(session, admin, incident_id=incident_id),
        school_name="Школа № 17",
        timezone="Europe/Moscow",
    )
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert f"инцидент № {incident_id}" in text
    assert "Teacher_A (логин teacher_a)" in text
    assert "Учитель заметил вход из другого города" in text
    assert "соблюдён" in text
    assert "Оценка № 1, создание" in text and "значение: 2" in text
    assert "Итог: восстановлено" in text
    assert "С момента подозрения" in text and "Доступ восстановлен" in text
    assert "Руководитель образовательной организации" in text
