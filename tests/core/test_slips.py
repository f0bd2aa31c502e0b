"""Credential slips: one multi-page PDF whose text holds every name, login and code in Cyrillic."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from klassruk.infra.db import unit_of_work
from klassruk.pdf.slips import RULES, render_slips
from klassruk.services.credentials.issuing import issue_credentials
from klassruk.services.credentials.people import PersonKind
from tests.factories import SYSTEM, actor_of
from tests.schools.roster_school import ON, TEACHER_A, build_school

SCHOOL = "МБОУ «Средняя общеобразовательная школа №\u00a017»"
URL = "https://klassruk.school17.example"


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def test_slips_hold_each_name_login_and_code_in_cyrillic(factory: sessionmaker[Session]):
    with unit_of_work(factory, SYSTEM) as session:
        school = build_school(session)
    with factory() as session:
        actor = actor_of(session, TEACHER_A)
    with unit_of_work(factory, actor) as session:
        issued = issue_credentials(session, actor, class_id=school.class_a, on=ON).issued
    pages, text = _text(render_slips(issued, school_name=SCHOOL, app_url=URL))
    assert pages == 1
    for slip in issued:
        assert slip.name in text
        assert slip.login in text
        assert slip.code in text
    assert "Средняя общеобразовательная школа" in text
    assert URL in text
    assert "Класс 7А" in text
    assert "в течение одного рабочего дня" in text and "Не передавайте логин" in text
    assert "подпись родителя" in text
    assert RULES


def test_a_large_selection_is_one_multi_page_document(factory):
    from datetime import UTC, datetime

    from klassruk.services.credentials.codes import generate_code
    from klassruk.services.credentials.issuing import IssuedCredential
    from klassruk.services.credentials.people import PersonKind

    slips = [
        IssuedCredential(
            kind=PersonKind.GUARDIAN,
            name=f"Щербакова Ёлка Эдуардовна {n}",
            children=("Щербаков Пётр",),
            class_name="11Б",
            login=f"scherbakova.elka{n}",
            code=generate_code(),
            expires_at=datetime(2026, 10, 31, tzinfo=UTC),
        )
        for n in range(1, 20)
    ]
    pages, text = _text(render_slips(slips, school_name=SCHOOL, app_url=URL))
    assert pages == 3  # eight slips to a page
    assert "Щербакова Ёлка Эдуардовна 19" in text and slips[-1].code in text
    assert "31.10.2026" in text


def test_slips_follow_the_class_list_each_student_then_their_guardians(factory):
    from datetime import date

    from klassruk.models.school import Enrolment, Guardian, GuardianLink, Relation, Student

    with unit_of_work(factory, SYSTEM) as session:
        school = build_school(session)
        # Added last, first in the list: the class list's order, not the order of the records.
        boris = Student(last_name="Абрамов", first_name="Борис", birth_date=date(2013, 5, 6))
        olga = Guardian(last_name="Абрамова", first_name="Ольга", middle_name="Ивановна")
        session.add_all([boris, olga])
        session.flush()
        session.add_all([
            Enrolment(student_id=boris.id, class_id=school.class_a, starts_on=date(2026, 9, 1)),
            GuardianLink(guardian_id=olga.id, student_id=boris.id, relation=Relation.MOTHER),
        ])
    with factory() as session:
        actor = actor_of(session, TEACHER_A)
    with unit_of_work(factory, actor) as session:
        issued = issue_credentials(session, actor, class_id=school.class_a, on=ON).issued
    _, text = _text(render_slips(issued, school_name=SCHOOL, app_url=URL))
    expected = [
        "Абрамов Борис", "Абрамова Ольга Ивановна",
        "Иванов Пётр", "Иванов Сергей Петрович", "Иванова Мария Сергеевна",  # both Пётр's
        "Иванова Анна",  # her mother's slip is already beside her brother's
    ]
    assert [slip.name for slip in issued] == expected
    positions = [text.index(f"{name} Логин") for name in expected]
    assert positions == sorted(positions)


def test_a_students_slip_asks_for_the_students_own_signature(factory):
    with unit_of_work(factory, SYSTEM) as session:
        school = build_school(session)
    with factory() as session:
        actor = actor_of(session, TEACHER_A)
    with unit_of_work(factory, actor) as session:
        issued = issue_credentials(session, actor, class_id=school.class_a, on=ON).issued
    for slip in issued:
        _, text = _text(render_slips([slip], school_name=SCHOOL, app_url=URL))
        own = slip.kind is PersonKind.STUDENT
        assert ("подпись обучающегося" in text) is own
        assert ("подпись родителя" in text) is not own
