"""The incident act PDF and the Russian names the audit log is shown with."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from klassruk.audit.titles import ENTITY_TITLES, changes_text
from klassruk.models import Base
from klassruk.models.journal import Grade
from klassruk.models.school import Student
from klassruk.pdf.incident_act import render_incident_act
from klassruk.services.audit_trail import audit_names
from klassruk.services.incidents import close_incident, get_incident
from klassruk.services.incidents.voiding import voided_operations
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
    operations = voided_operations(session, admin, incident_id=incident_id)
    pdf = render_incident_act(
        get_incident(session, admin, incident_id),
        operations,
        school_name="Школа № 17",
        timezone="Europe/Moscow",
        names=audit_names(session, [o.audit for o in operations]),
    )
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert f"инцидент № {incident_id}" in text
    assert "Teacher_A (логин teacher_a)" in text
    assert "Учитель заметил вход из другого города" in text
    assert "соблюдён" in text
    # Who did what to which pupil's grade, when in school time, and the values as shown.
    pupil = session.scalar(select(Student).order_by(Student.id))
    assert re.search(
        rf"\d\d\.\d\d\.2026 \d\d:\d\d, Teacher_A: создание — Оценка: "
        rf"{pupil.last_name} {pupil.first_name}, Математика, \d\d\.09\.2026, 2-й урок", text
    ), text
    assert "Внесено: урок: Математика" in text
    assert "оценка: 2; вид: работа на уроке; вес: 1;" in text
    assert "кем создано: Teacher_A" in text and "teacher_a;" not in text
    assert not re.search(r"[a-z]+_[a-z]+:|created_by|№ \d+,", text), text
    assert "часовому поясу школы (Europe/Moscow)" in text
    assert "Итог: восстановлено" in text
    assert "С момента подозрения" in text and "Доступ восстановлен" in text
    assert "Руководитель образовательной организации" in text
