"""Printing extracts: which families, refusals, one per child, queries that do not grow."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.consent import ConsentState, ConsentSubject
from klassruk.models.extracts import PaperExtract
from klassruk.models.school import Guardian, GuardianLink, Relation
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.extracts.printing import Family
from tests.core.services.extracts.printed import ON, WEEK, print_week
from tests.core.services.statements import count_statements
from tests.factories import actor_of


def test_a_family_with_consent_is_not_on_the_paper_list_but_may_be_chosen(session, school):
    guardian = session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == school.two.student_a)
    )
    actor = actor_of(session, "ct_a")
    session.info["actor"] = actor
    for subject, student in ((ConsentSubject.GUARDIAN_SELF, None),
                             (ConsentSubject.CHILD, school.two.student_a)):
        record_consent(session, actor, class_id=school.two.class_a, on=ON, fact=ConsentFact(
            subject, ConsentState.GIVEN, date(2026, 9, 1), "1", guardian_id=guardian,
            student_id=student))
    with pytest.raises(DomainError, match="Печатать некому"):
        print_week(session, school)
    (extract,) = print_week(session, school, families=[Family(guardian, school.two.student_a)])
    assert extract.guardian == "Орлова Елена"


def test_other_classes_and_bad_ranges_are_refused(session, school):
    other_guardian = session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == school.two.student_b)
    )
    with pytest.raises(PermissionDenied):
        print_week(session, school, login="ct_b")
    with pytest.raises(PermissionDenied):
        print_week(session, school, families=[Family(other_guardian, school.two.student_b)])
    with pytest.raises(PermissionDenied):
        print_week(session, school, login="teacher_a")
    with pytest.raises(DomainError, match="позже"):
        print_week(session, school, date_from=WEEK[1], date_to=WEEK[0])
    assert session.scalar(select(PaperExtract.id)) is None
    (by_period,) = print_week(session, school, date_from=None, date_to=None,
                          period_id=school.open_period)
    assert by_period.period == "1 четверть"


def test_one_extract_per_child_when_the_school_prefers_it(session, school):
    second = Guardian(last_name="Орлов", first_name="Сергей")
    session.add(second)
    session.flush()
    session.add(GuardianLink(guardian_id=second.id, student_id=school.two.student_a,
                             relation=Relation.FATHER))
    session.flush()
    assert len(print_week(session, school)) == 2
    (only,) = print_week(session, school, one_per_child=True)
    assert only.student_id == school.two.student_a


def test_a_month_of_extracts_takes_as_many_queries_as_a_week(session, school):
    week = count_statements(session.get_bind(), lambda: print_week(session, school))
    month = count_statements(
        session.get_bind(),
        lambda: print_week(session, school, date_from=WEEK[0], date_to=date(2026, 10, 11)),
    )
    assert month == week
