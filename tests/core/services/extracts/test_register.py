"""The register: handing over, returned slips as paper acknowledgements, reprints."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.consent import ConsentState, ConsentSubject
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.journal import Grade, GradeKind
from klassruk.models.school import GuardianLink
from klassruk.pdf.extracts import render_extracts
from klassruk.services.acknowledgements.state import week_status
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.extracts.register import (
    extract_register,
    mark_handed,
    mark_returned,
    reprint_extract,
)
from tests.core.services.extracts.printed import ON, WEEK, print_week
from tests.factories import actor_of


def test_the_register_records_handing_over_and_the_returned_slip(session, school):
    (extract,) = print_week(session, school)
    actor = actor_of(session, "ct_a")
    with pytest.raises(DomainError, match="в будущем"):
        mark_handed(session, actor, extract_id=extract.number, handed_on=date(2026, 9, 16),
                    on=ON)
    mark_handed(session, actor, extract_id=extract.number, handed_on=ON, on=ON)
    with pytest.raises(PermissionDenied):
        mark_returned(session, actor_of(session, "ct_b"), extract_id=extract.number,
                      returned_on=ON, on=ON)
    mark_returned(session, actor, extract_id=extract.number, returned_on=ON, on=ON)
    with pytest.raises(DomainError, match="уже отмечен"):
        mark_returned(session, actor, extract_id=extract.number, returned_on=ON, on=ON)
    (row,) = extract_register(session, actor, class_id=school.two.class_a, on=ON)
    assert (row.number, row.handed_on, row.returned_on) == (extract.number, ON, ON)
    assert extract_register(session, actor_of(session, "zavuch"), class_id=school.two.class_a,
                            on=ON)
    with pytest.raises(PermissionDenied):
        extract_register(session, actor_of(session, "ct_b"), class_id=school.two.class_a, on=ON)


def test_a_returned_slip_is_a_paper_acknowledgement_of_the_weeks_and_items_it_showed(
    session, school
):
    guardian = session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == school.two.student_a)
    )
    (extract,) = print_week(session, school)
    actor = actor_of(session, "ct_a")
    mark_returned(session, actor, extract_id=extract.number, returned_on=ON, on=ON)
    acks = session.scalars(select(Acknowledgement).order_by(Acknowledgement.id)).all()
    assert [(a.kind, a.week_start, a.channel, a.guardian_id) for a in acks] == [
        (AckKind.WEEK, WEEK[0], AckChannel.PAPER, guardian),
        (AckKind.RECOMMENDATION, None, AckChannel.PAPER, guardian),
    ]
    assert acks[0].user_id is None and acks[0].recorded_by_user_id == actor.user_id
    # The family's cabinet sees the paper signature, and later news as new.
    for subject, student in ((ConsentSubject.GUARDIAN_SELF, None),
                             (ConsentSubject.CHILD, school.two.student_a)):
        record_consent(session, actor, class_id=school.two.class_a, on=ON, fact=ConsentFact(
            subject, ConsentState.GIVEN, date(2026, 9, 1), "1", guardian_id=guardian,
            student_id=student))
    parent = actor_of(session, "parent_a")
    status = week_status(
        session, parent, student_id=school.two.student_a, week_start=WEEK[0], on=ON
    )
    assert status.state.channel is AckChannel.PAPER and not status.state.changed_since
    session.add(Grade(lesson_id=school.lessons[0], student_id=school.two.student_a, value=2,
                      kind=GradeKind.ORAL, weight=1.0, created_by="teacher_a"))
    session.flush()
    status = week_status(
        session, parent, student_id=school.two.student_a, week_start=WEEK[0], on=ON
    )
    assert status.state.changed_since and status.state.new_items == 1


def test_a_reprint_gets_a_new_number_that_refers_to_the_old_one(session, school):
    (first,) = print_week(session, school)
    actor = session.info["actor"]
    again = reprint_extract(session, actor, extract_id=first.number, on=ON)
    assert again.number != first.number and again.reprint_of == first.number
    assert (again.student, again.guardian, again.date_from, again.date_to) == (
        first.student, first.guardian, first.date_from, first.date_to,
    )
    register = extract_register(session, actor, class_id=school.two.class_a, on=ON)
    assert [(r.number, r.reprint_of) for r in register] == [
        (again.number, first.number), (first.number, None),
    ]
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(
            render_extracts([again], school_name="Школа", timezone="Europe/Moscow")
        )).pages
    )
    assert f"взамен выписки № {first.number}" in text


def test_another_class_teacher_may_not_reprint(session, school):
    (first,) = print_week(session, school)
    stranger = actor_of(session, "ct_b")
    session.info["actor"] = stranger
    with pytest.raises(PermissionDenied):
        reprint_extract(session, stranger, extract_id=first.number, on=ON)
