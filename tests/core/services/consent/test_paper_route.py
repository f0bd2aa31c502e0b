"""Moving a family to paper by the guardian's statement: each child, history, audit, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.logs import AuditLog
from klassruk.models.school import Enrolment, Guardian, GuardianLink, Relation, Student
from klassruk.services.consent.history import consent_history
from klassruk.services.consent.paper_route import move_family_to_paper
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.delivery import Route, delivery_route
from tests.factories import TwoClasses, actor_of, build_two_classes

ON = date(2026, 10, 1)
SIGNED = date(2026, 9, 30)


@pytest.fixture
def school(session) -> TwoClasses:
    return build_two_classes(session)


def _mother(session) -> int:
    return session.scalar(select(Guardian.id).where(Guardian.last_name == "Орлова"))


def _second_child(session, school: TwoClasses) -> int:
    """A daughter of the same mother in 7А."""
    year_start = session.scalar(
        select(Enrolment.starts_on).where(Enrolment.student_id == school.student_a)
    )
    daughter = Student(last_name="Орлова", first_name="Анна")
    session.add(daughter)
    session.flush()
    session.add_all([
        Enrolment(student_id=daughter.id, class_id=school.class_a, starts_on=year_start),
        GuardianLink(guardian_id=_mother(session), student_id=daughter.id,
                     relation=Relation.MOTHER),
    ])
    session.flush()
    return daughter.id


def _consent(session, school, student_id: int, state: ConsentState, *, subject=None) -> None:
    actor = actor_of(session, "ct_a")
    session.info["actor"] = actor
    subject = subject or ConsentSubject.CHILD
    fact = ConsentFact(subject, state, SIGNED - timedelta(days=20), "ПД-1",
                       guardian_id=_mother(session),
                       student_id=None if subject is ConsentSubject.GUARDIAN_SELF else student_id)
    record_consent(session, actor, class_id=school.class_a, on=ON, fact=fact)


def _move(session, school, *, login="ct_a", class_id=None, **overrides):
    actor = actor_of(session, login)
    session.info["actor"] = actor
    arguments = {"guardian_id": _mother(session), "class_id": class_id or school.class_a,
                 "form_number": "З-42", "signed_on": SIGNED, "reason": "нет интернета дома",
                 "on": ON, **overrides}
    return move_family_to_paper(session, actor, **arguments)


def _entries(session) -> int:
    return session.scalar(select(func.count(ConsentEntry.id)))


def _route(session, student_id: int) -> Route:
    return delivery_route(session, guardian_id=_mother(session), student_id=student_id).route


def test_moves_every_child_with_consent_and_keeps_the_statement_in_the_history(session, school):
    daughter = _second_child(session, school)
    _consent(session, school, 0, ConsentState.GIVEN, subject=ConsentSubject.GUARDIAN_SELF)
    _consent(session, school, school.student_a, ConsentState.GIVEN)
    _consent(session, school, daughter, ConsentState.GIVEN)
    audited = session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.entity == "consent_entry"))

    moved = _move(session, school)

    assert moved.moved == ("Орлов Пётр", "Орлова Анна") and moved.already == ()
    assert moved.message.startswith("Орлова Елена переведена на бумажные выписки по заявлению "
                                    "№ З-42 от 30.09.2026: сведения об Орлове Петре и "
                                    "об Орловой Анне школа выдаёт на бумаге")
    assert _route(session, school.student_a) is _route(session, daughter) is Route.PAPER
    history = consent_history(session, actor_of(session, "ct_a"), class_id=school.class_a,
                              on=ON, guardian_id=_mother(session))
    last = [h for h in history if h.prefers_paper]
    assert [(h.child, h.state, h.form_number, h.signed_on, h.reason) for h in last] == [
        (name, ConsentState.GIVEN, "З-42", SIGNED, "нет интернета дома")
        for name in ("Орлов Пётр", "Орлова Анна")
    ]
    assert session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.entity == "consent_entry")) == audited + 2


def test_a_child_without_consent_is_already_on_paper_and_nothing_changes(session, school):
    daughter = _second_child(session, school)
    _consent(session, school, school.student_a, ConsentState.GIVEN)
    _consent(session, school, daughter, ConsentState.REFUSED)
    moved = _move(session, school)
    assert moved.moved == ("Орлов Пётр",)
    assert moved.already == (("Орлова Анна", "нет согласия на обработку данных ребёнка: отказ"),)
    assert "Сведения об Орловой Анне и так выдаются на бумаге" in moved.message

    before = _entries(session)
    again = _move(session, school, form_number="З-43")
    assert again.moved == () and _entries(session) == before
    assert again.message == (
        "Сведения об Орлове Петре и так выдаются на бумаге (родитель уже выбрал бумажную "
        "форму): ничего не изменено. Сведения об Орловой Анне и так выдаются на бумаге (нет "
        "согласия на обработку данных ребёнка: отказ): ничего не изменено."
    )


def test_a_family_never_asked_is_on_paper_already(session, school):
    moved = _move(session, school)
    assert moved.moved == () and _entries(session) == 0
    assert "не запрашивалось" in moved.message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"form_number": "  "}, "Укажите № заявления"),
        ({"signed_on": ON + timedelta(days=1)}, "не может быть в будущем"),
        ({"signed_on": None}, "Укажите дату подписи"),
        ({"reason": "\u200b "}, "Укажите причину перевода на бумагу"),
        ({"form_number": "№" * 41}, "не длиннее 40"),
    ],
)
def test_bad_input_is_refused_in_russian_and_changes_nothing(session, school, overrides,
                                                             message):
    _consent(session, school, school.student_a, ConsentState.GIVEN)
    before = _entries(session)
    with pytest.raises(DomainError, match=message):
        _move(session, school, **overrides)
    assert _entries(session) == before
    assert not session.scalar(select(ConsentEntry.prefers_paper).order_by(
        ConsentEntry.id.desc()).limit(1))


def test_another_class_teacher_and_other_roles_are_refused(session, school):
    _consent(session, school, school.student_a, ConsentState.GIVEN)
    before = _entries(session)
    with pytest.raises(PermissionDenied):
        _move(session, school, login="ct_b")  # 8Б's class teacher, 7А's family
    with pytest.raises(PermissionDenied):
        _move(session, school, login="ct_b", class_id=school.class_b)  # own class, not her pupil
    for login in ("teacher_a", "parent_a", "pupil_a"):
        with pytest.raises(PermissionDenied):
            _move(session, school, login=login)
    assert _entries(session) == before


def _parent_sessions_valid_after(session):
    return session.scalar(select(UserAccount.sessions_valid_after).where(
        UserAccount.login == "parent_a"))


def test_the_guardians_sessions_end_unless_she_has_children_in_other_classes(session, school):
    _consent(session, school, school.student_a, ConsentState.GIVEN)
    before = _parent_sessions_valid_after(session)
    _move(session, school)
    assert _parent_sessions_valid_after(session) != before


def test_a_guardian_shared_with_another_class_keeps_her_cabinet_for_that_child(session, school):
    session.add(GuardianLink(guardian_id=_mother(session), student_id=school.student_b,
                             relation=Relation.MOTHER))
    _consent(session, school, school.student_a, ConsentState.GIVEN)
    before = _parent_sessions_valid_after(session)
    moved = _move(session, school)
    assert moved.moved == ("Орлов Пётр",)  # 8Б's Зайцева is not 7А's to move
    assert _parent_sessions_valid_after(session) == before
    assert _route(session, school.student_a) is Route.PAPER
    assert not session.scalar(select(func.count(ConsentEntry.id)).where(
        ConsentEntry.student_id == school.student_b))


def test_record_consent_takes_paper_after_given_once_and_nothing_else_of_the_same_state(
    session, school
):
    _consent(session, school, school.student_a, ConsentState.GIVEN)
    actor = actor_of(session, "ct_a")
    paper = ConsentFact(ConsentSubject.CHILD, ConsentState.GIVEN, SIGNED, "З-9",
                        guardian_id=_mother(session), student_id=school.student_a,
                        prefers_paper=True)
    entry = record_consent(session, actor, class_id=school.class_a, on=ON, fact=paper)
    assert entry.prefers_paper and entry.state is ConsentState.GIVEN
    with pytest.raises(DomainError, match="нельзя"):
        record_consent(session, actor, class_id=school.class_a, on=ON, fact=paper)
