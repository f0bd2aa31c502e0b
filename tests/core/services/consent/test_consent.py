"""Consent register: every transition, corrections, scans, scope, and the delivery it decides."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import ActivityLog
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.consent import ConsentEntry, ConsentScan, ConsentState, ConsentSubject
from klassruk.models.school import GuardianLink, Student
from klassruk.pdf.consent_forms import render_consent_forms
from klassruk.services.accounts.sessions import user_for_session_token
from klassruk.services.cabinet import lessons
from klassruk.services.consent.forms import consent_forms
from klassruk.services.consent.history import consent_history
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.consent.register import class_consent, set_student_own_consent_required
from klassruk.services.consent.scans import MAX_SCAN_BYTES, ScanUpload, scan_file
from klassruk.services.delivery import (
    ConsentRequired,
    Route,
    delivery_route,
    may_notify,
    require_electronic_access,
    student_route,
)
from tests.core import scan_files
from tests.factories import SYSTEM, TwoClasses, actor_of, build_two_classes

ON = date(2026, 10, 1)
SIGNED = date(2026, 9, 25)
PNG = scan_files.png()
PDF = scan_files.pdf()


@pytest.fixture
def school(session) -> TwoClasses:
    return build_two_classes(session)


def _guardian_of(session, student_id: int) -> int:
    return session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == student_id)
    )


def _record(session, school, state, *, subject=ConsentSubject.CHILD, login="ct_a", **kwargs):
    guardian = _guardian_of(session, school.student_a)
    actor = actor_of(session, login)
    session.info["actor"] = actor
    if state is ConsentState.WITHDRAWN:
        kwargs.setdefault("reason", "заявление родителя об отзыве")
    fact = ConsentFact(
        subject=subject,
        state=state,
        signed_on=kwargs.pop("signed_on", SIGNED),
        form_number=kwargs.pop("form_number", "ПД-17"),
        guardian_id=None if subject is ConsentSubject.STUDENT_SELF else guardian,
        student_id=None if subject is ConsentSubject.GUARDIAN_SELF else school.student_a,
        prefers_paper=kwargs.pop("prefers_paper", False),
    )
    return record_consent(session, actor, class_id=school.class_a, on=ON, fact=fact, **kwargs)


def _give_both(session, school, **kwargs):
    _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.GUARDIAN_SELF)
    return _record(session, school, ConsentState.GIVEN, **kwargs)


def _route(session, school) -> Route:
    guardian = _guardian_of(session, school.student_a)
    return delivery_route(session, guardian_id=guardian, student_id=school.student_a).route


def test_not_asked_is_paper_and_giving_both_consents_opens_the_electronic_route(session, school):
    assert _route(session, school) is Route.PAPER
    _record(session, school, ConsentState.GIVEN)
    decision = delivery_route(
        session, guardian_id=_guardian_of(session, school.student_a), student_id=school.student_a
    )
    assert decision.route is Route.PAPER and "своих данных" in decision.reason
    _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.GUARDIAN_SELF)
    assert _route(session, school) is Route.ELECTRONIC


def test_refused_stays_paper_and_may_later_be_given(session, school):
    _record(session, school, ConsentState.REFUSED)
    _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.GUARDIAN_SELF)
    decision = delivery_route(
        session, guardian_id=_guardian_of(session, school.student_a), student_id=school.student_a
    )
    assert decision.route is Route.PAPER and "отказ" in decision.reason
    _record(session, school, ConsentState.GIVEN)
    assert _route(session, school) is Route.ELECTRONIC


@pytest.mark.parametrize(
    ("before", "bad"),
    [
        ([], ConsentState.WITHDRAWN),
        ([ConsentState.GIVEN], ConsentState.GIVEN),
        ([ConsentState.GIVEN], ConsentState.REFUSED),
        ([ConsentState.REFUSED], ConsentState.WITHDRAWN),
        ([ConsentState.GIVEN, ConsentState.WITHDRAWN], ConsentState.WITHDRAWN),
    ],
)
def test_impossible_transitions_are_refused_and_change_nothing(session, school, before, bad):
    for state in before:
        _record(session, school, state)
    count = session.scalar(select(ConsentEntry.id).order_by(ConsentEntry.id.desc()).limit(1))
    with pytest.raises(DomainError, match="нельзя"):
        _record(session, school, bad)
    assert session.scalar(
        select(ConsentEntry.id).order_by(ConsentEntry.id.desc()).limit(1)
    ) == count


def test_withdrawal_keeps_history_stops_delivery_and_revokes_sessions_at_once(session, school):
    _give_both(session, school)
    parent = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))
    pupil = session.scalar(select(UserAccount).where(UserAccount.login == "pupil_a"))
    issued = utcnow() - timedelta(minutes=5)
    parent.sessions_valid_after = pupil.sessions_valid_after = issued - timedelta(hours=1)
    assert user_for_session_token(session, login="parent_a", issued_at=issued) is not None
    assert _route(session, school) is Route.ELECTRONIC
    assert may_notify(session, guardian_id=parent.guardian_id, student_id=school.student_a)

    _record(session, school, ConsentState.WITHDRAWN, reason="заявление родителя")
    assert _route(session, school) is Route.PAPER
    assert not may_notify(session, guardian_id=parent.guardian_id, student_id=school.student_a)
    assert user_for_session_token(session, login="parent_a", issued_at=issued) is None
    # The only guardian withdrew: the student's own cabinet closes too.
    assert user_for_session_token(session, login="pupil_a", issued_at=issued) is None
    revoked = session.scalars(
        select(ActivityLog.login).where(ActivityLog.event == "sessions_revoked")
    ).all()
    assert sorted(revoked) == ["parent_a", "pupil_a"]
    history = consent_history(
        session, actor_of(session, "ct_a"), class_id=school.class_a, on=ON,
        guardian_id=parent.guardian_id,
    )
    assert [(h.subject, h.state) for h in history] == [
        (ConsentSubject.GUARDIAN_SELF, ConsentState.GIVEN),
        (ConsentSubject.CHILD, ConsentState.GIVEN),
        (ConsentSubject.CHILD, ConsentState.WITHDRAWN),
    ]
    assert history[-1].reason == "заявление родителя"
    _record(session, school, ConsentState.GIVEN, form_number="ПД-18")
    assert _route(session, school) is Route.ELECTRONIC


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_withdrawal_without_a_reason_is_refused_and_changes_nothing(session, school, reason):
    _give_both(session, school)
    last = session.scalar(select(ConsentEntry.id).order_by(ConsentEntry.id.desc()).limit(1))
    with pytest.raises(DomainError, match="причину отзыва"):
        _record(session, school, ConsentState.WITHDRAWN, reason=reason)
    assert session.scalar(
        select(ConsentEntry.id).order_by(ConsentEntry.id.desc()).limit(1)
    ) == last
    assert _route(session, school) is Route.ELECTRONIC


def test_paper_chosen_while_consenting_goes_on_the_paper_list(session, school):
    _give_both(session, school, prefers_paper=True)
    decision = delivery_route(
        session, guardian_id=_guardian_of(session, school.student_a), student_id=school.student_a
    )
    assert decision.route is Route.PAPER and "бумажную" in decision.reason
    board = class_consent(session, actor_of(session, "ct_a"), class_id=school.class_a, on=ON)
    assert [(p.student_id, p.reason) for p in board.paper] == [
        (school.student_a, "родитель выбрал бумажную форму")
    ]
    with pytest.raises(DomainError, match="вместе с данным согласием"):
        _record(session, school, ConsentState.WITHDRAWN, prefers_paper=True)


def test_the_register_and_the_history_name_who_recorded_not_their_login(session, school):
    _give_both(session, school)
    ct_a = actor_of(session, "ct_a")
    board = class_consent(session, ct_a, class_id=school.class_a, on=ON)
    assert {r.recorded_by for r in board.rows if r.entry_id} == {"Ct_A"}  # the display name
    entries = consent_history(session, ct_a, class_id=school.class_a,
                              guardian_id=_guardian_of(session, school.student_a), on=ON)
    assert {e.recorded_by for e in entries} == {"Ct_A"}


def test_an_inactive_account_gets_paper_even_with_consent(session, school):
    _give_both(session, school)
    parent = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))
    parent.status = AccountStatus.BLOCKED
    decision = delivery_route(
        session, guardian_id=parent.guardian_id, student_id=school.student_a
    )
    assert decision.route is Route.PAPER and "не активна" in decision.reason


def test_a_correction_needs_the_latest_entry_and_a_reason_and_may_return_to_not_asked(
    session, school
):
    wrong = _record(session, school, ConsentState.REFUSED)
    with pytest.raises(DomainError, match="причину"):
        _record(session, school, ConsentState.NOT_ASKED, corrects_id=wrong.id)
    fixed = _record(
        session, school, ConsentState.NOT_ASKED, corrects_id=wrong.id,
        reason="бланк другого родителя",
    )
    assert fixed.corrects_id == wrong.id and fixed.signed_on is None
    with pytest.raises(DomainError, match="последнюю запись"):
        _record(session, school, ConsentState.GIVEN, corrects_id=wrong.id, reason="ещё раз")
    # Both entries stay: the register is append-only.
    assert session.get(ConsentEntry, wrong.id).state is ConsentState.REFUSED
    _record(session, school, ConsentState.GIVEN)


def test_the_form_needs_a_signed_date_not_in_the_future_and_a_number(session, school):
    with pytest.raises(DomainError, match="дату подписи"):
        _record(session, school, ConsentState.GIVEN, signed_on=None)
    with pytest.raises(DomainError, match="в будущем"):
        _record(session, school, ConsentState.GIVEN, signed_on=ON + timedelta(days=1))
    with pytest.raises(DomainError, match="номер бланка"):
        _record(session, school, ConsentState.GIVEN, form_number="  ")
    assert session.scalar(select(ConsentEntry.id)) is None


def test_reasons_form_numbers_and_file_names_are_stored_without_controls(session, school):
    # NUL in any of them made PostgreSQL refuse the save with DataError.
    wrong = _record(session, school, ConsentState.GIVEN, form_number="ПД\x00-17",
                    scan=ScanUpload("бланк\x00\n\u200f.png", PNG))
    with pytest.raises(DomainError, match="Укажите причину"):
        _record(session, school, ConsentState.REFUSED, corrects_id=wrong.id, reason="\u200b\x00")
    fixed = _record(session, school, ConsentState.REFUSED, corrects_id=wrong.id,
                    reason="Ошибка\x00 в бланке\u200b\nисправлено")
    session.expire_all()
    assert session.get(ConsentEntry, fixed.id).reason == "Ошибка в бланке\nисправлено"
    assert session.get(ConsentEntry, wrong.id).form_number == "ПД-17"
    assert session.get(ConsentScan, wrong.scan_id).file_name == "бланк .png"


def test_scans_are_checked_by_content_and_size_and_read_back_in_scope(session, school):
    entry = _record(session, school, ConsentState.GIVEN, scan=ScanUpload("бланк.png", PNG))
    name, media_type, content = scan_file(
        session, actor_of(session, "ct_a"), class_id=school.class_a, on=ON, scan_id=entry.scan_id
    )
    assert (name, media_type, content) == ("бланк.png", "image/png", PNG)
    with pytest.raises(PermissionDenied):
        scan_file(session, actor_of(session, "ct_b"), class_id=school.class_b, on=ON,
                  scan_id=entry.scan_id)
    with pytest.raises(DomainError, match="PDF, JPEG, PNG"):
        _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.GUARDIAN_SELF,
                scan=ScanUpload("бланк.pdf", b"MZ fake pdf"))
    with pytest.raises(DomainError, match="больше 5 МБ"):
        _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.GUARDIAN_SELF,
                scan=ScanUpload("бланк.pdf", PDF + b"0" * MAX_SCAN_BYTES))
    assert session.scalar(select(ConsentScan.id).where(ConsentScan.id != entry.scan_id)) is None


def test_another_class_teacher_and_a_teacher_are_refused(session, school):
    guardian = _guardian_of(session, school.student_a)
    fact = ConsentFact(ConsentSubject.CHILD, ConsentState.GIVEN, SIGNED, "1",
                       guardian_id=guardian, student_id=school.student_a)
    ct_b = actor_of(session, "ct_b")
    session.info["actor"] = ct_b
    with pytest.raises(PermissionDenied):
        record_consent(session, ct_b, class_id=school.class_a, on=ON, fact=fact)
    # Through the own class, a guardian of another class is still out of reach.
    with pytest.raises(PermissionDenied):
        record_consent(session, ct_b, class_id=school.class_b, on=ON, fact=fact)
    with pytest.raises(PermissionDenied):
        class_consent(session, ct_b, class_id=school.class_a, on=ON)
    with pytest.raises(PermissionDenied):
        consent_history(session, ct_b, class_id=school.class_b, on=ON, guardian_id=guardian)
    with pytest.raises(PermissionDenied):
        class_consent(session, actor_of(session, "teacher_a"), class_id=school.class_a, on=ON)
    # Deputy head and admin read the whole school but record nothing.
    for login in ("zavuch", "admin"):
        board = class_consent(session, actor_of(session, login), class_id=school.class_a, on=ON)
        assert board.counts[ConsentState.NOT_ASKED] == 2
        with pytest.raises(PermissionDenied):
            record_consent(session, actor_of(session, login), class_id=school.class_a, on=ON,
                           fact=fact)
    assert session.scalar(select(ConsentEntry.id)) is None


def test_the_class_register_counts_states_and_lists_the_paper_families(session, school):
    _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.GUARDIAN_SELF)
    board = class_consent(session, actor_of(session, "ct_a"), class_id=school.class_a, on=ON)
    assert board.counts[ConsentState.GIVEN] == 1 and board.counts[ConsentState.NOT_ASKED] == 1
    assert [(row.subject, row.state) for row in board.rows] == [
        (ConsentSubject.GUARDIAN_SELF, ConsentState.GIVEN),
        (ConsentSubject.CHILD, ConsentState.NOT_ASKED),
    ]
    assert len(board.paper) == 1 and board.electronic == 0


def test_cabinet_access_is_refused_without_consent_and_restored_after(session, school):
    parent, pupil = actor_of(session, "parent_a"), actor_of(session, "pupil_a")
    for actor in (parent, pupil):
        with pytest.raises(ConsentRequired, match="подпишите согласие"):
            require_electronic_access(session, actor, student_id=school.student_a, on=ON)
    _give_both(session, school)
    for actor in (parent, pupil):
        require_electronic_access(session, actor, student_id=school.student_a, on=ON)
    # Staff are never gated by a family's consent.
    require_electronic_access(session, actor_of(session, "ct_a"), student_id=school.student_a,
                              on=ON)


def test_students_own_consent_from_14_when_the_school_asks(session, school):
    _give_both(session, school)
    student = session.get(Student, school.student_a)
    student.birth_date = date(2012, 5, 1)  # 14 on ON
    with pytest.raises(DomainError, match="не собирает"):
        _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.STUDENT_SELF)
    with pytest.raises(PermissionDenied):
        set_student_own_consent_required(session, actor_of(session, "ct_a"), required=True)
    session.info["actor"] = SYSTEM
    set_student_own_consent_required(session, actor_of(session, "admin"), required=True)
    assert student_route(session, student_id=school.student_a, on=ON).route is Route.PAPER
    board = class_consent(session, actor_of(session, "ct_a"), class_id=school.class_a, on=ON)
    assert board.rows[-1].subject is ConsentSubject.STUDENT_SELF
    _record(session, school, ConsentState.GIVEN, subject=ConsentSubject.STUDENT_SELF)
    assert student_route(session, student_id=school.student_a, on=ON).route is Route.ELECTRONIC
    student.birth_date = date(2013, 5, 1)
    with pytest.raises(DomainError, match="14 лет"):
        _record(session, school, ConsentState.WITHDRAWN, subject=ConsentSubject.STUDENT_SELF)


def test_consent_forms_for_one_guardian_or_every_one_not_asked_yet(session, school):
    ct_a = actor_of(session, "ct_a")
    (form,) = consent_forms(session, ct_a, class_id=school.class_a, on=ON)
    assert (form.guardian, form.children) == ("Орлова Елена", ("Орлов Пётр",))
    pdf = render_consent_forms([form], school_name="Школа № 7")
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Орлова Елена" in text and "152-ФЗ" in text and "Школа № 7" in text
    assert "электронного журнала" in text and "SMS" in text
    _give_both(session, school)
    assert consent_forms(session, ct_a, class_id=school.class_a, on=ON) == []
    guardian = _guardian_of(session, school.student_a)
    assert consent_forms(session, ct_a, class_id=school.class_a, on=ON, guardian_id=guardian)
    with pytest.raises(PermissionDenied):
        consent_forms(session, actor_of(session, "ct_b"), class_id=school.class_b, on=ON,
                      guardian_id=guardian)


def test_cabinet_content_is_refused_without_consent_and_restored_after(session, school):
    parent = actor_of(session, "parent_a")
    with pytest.raises(ConsentRequired, match="бумаге"):
        lessons.homework(session, parent, student_id=school.student_a, on=ON)
    _give_both(session, school)
    assert lessons.homework(session, parent, student_id=school.student_a, on=ON) == []
    _record(session, school, ConsentState.WITHDRAWN)
    with pytest.raises(ConsentRequired, match="отозвано"):
        lessons.homework(session, parent, student_id=school.student_a, on=ON)
