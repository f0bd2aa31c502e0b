"""Saving the load table: upserts, replace, row-numbered errors, who may."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.school import TeachingAssignment
from klassruk.services.teaching_load.class_teachers import set_class_teacher
from klassruk.services.teaching_load.saving import LoadInput, save_teaching_load
from tests.core.services.groups.group_school import ENGLISH, split_english
from tests.core.services.teaching_load.rows import assignment_count, load_rows
from tests.factories import act_as


def test_table_save_updates_adds_and_with_replace_removes(session, school):
    actor = act_as(session, "zavuch")
    rows = [
        LoadInput(1, "7А", ENGLISH, "Инглишева Анна Ивановна", "2,5"),  # new teacher and hours
        LoadInput(2, "7 а", "Математика", "Математова А.И.", 5),  # short name, loose class
        LoadInput(3, "", "", "", ""),  # blank line is skipped
    ]
    result = save_teaching_load(session, actor, rows=rows, replace=True)
    assert (result.created, result.updated, result.deleted) == (0, 1, 4)
    assert load_rows(session, actor) == {
        ("7А", ENGLISH, "Инглишева Анна Ивановна", 2.5),
        ("7А", "Математика", "Математова Анна Ивановна", 5.0),
    }


def test_bad_rows_are_listed_by_number_and_nothing_is_saved(session, school):
    actor = act_as(session, "zavuch")
    before = assignment_count(session)
    rows = [
        LoadInput(2, "7А", "Математика", "Математова Анна Ивановна", "6"),
        LoadInput(3, "9Б", "Математика", "Математова Анна Ивановна", "1"),
        LoadInput(4, "7А", "Астрология", "Математова Анна Ивановна", "1"),
        LoadInput(5, "7А", "Информатика", "Неизвестный Н.Н.", "1"),
        LoadInput(6, "8А", "Математика", "Математова Анна Ивановна", "ноль"),
        LoadInput(7, "7А", "математика", "Математова Анна Ивановна", "5"),
    ]
    with pytest.raises(DomainError) as error:
        save_teaching_load(session, actor, rows=rows, replace=False)
    message = str(error.value)
    assert "строка 3: класс или группа «9Б» не найдены" in message
    assert "строка 4: предмет «Астрология» не найден" in message
    assert "строка 5: учитель «Неизвестный Н.Н.» не найден" in message
    assert "строка 6: часы в неделю «ноль»" in message
    assert "строка 7: этот предмет в «7А» уже указан в строке 2" in message
    assert "строка 2" not in message.split("строка 7")[0]
    assert assignment_count(session) == before
    hours = session.scalar(
        select(TeachingAssignment.hours_per_week).where(
            TeachingAssignment.subject_id == school.sid("Математика"),
            TeachingAssignment.hours_per_week == 6,
        )
    )
    assert hours is None


def test_a_split_subject_needs_the_group_not_the_class(session, school):
    split_english(session, school, act_as(session, "kl7"))
    actor = act_as(session, "zavuch")
    with pytest.raises(DomainError, match="строка 1: в 7А предмет «Английский язык» разделён"):
        save_teaching_load(
            session, actor, rows=[LoadInput(1, "7А", ENGLISH, "Англова А.И.", 3)], replace=False
        )
    result = save_teaching_load(
        session,
        actor,
        rows=[LoadInput(1, "7А: Английский язык, гр. 2", ENGLISH, "Англова А.И.", 2)],
        replace=False,
    )
    assert result.updated == 1


def test_only_deputy_and_admin_manage_the_load(session, school):
    for login in ("kl7", "english", "mama"):
        actor = act_as(session, login)
        with pytest.raises(PermissionDenied):
            save_teaching_load(session, actor, rows=[], replace=True)
        with pytest.raises(PermissionDenied):
            set_class_teacher(
                session, actor, class_id=school.class7.id, staff_id=None
            )
    assert assignment_count(session) == 6
