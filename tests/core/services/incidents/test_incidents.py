"""Compromise reports: blocking at once, voiding later operations, restoring data, reinstating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import ActivationCode, AuditLog
from klassruk.models.accounts import AccountStatus, RecoveryCode, UserAccount
from klassruk.models.incidents import (
    IncidentStatus,
    ItemOutcome,
    Notice,
    ReporterKind,
    SecurityIncident,
)
from klassruk.models.journal import Absence, AbsenceMark, Grade, GradeChange
from klassruk.services import journal
from klassruk.services.accounts.sessions import user_for_session_token
from klassruk.services.credentials.codes import activate_with_code, add_activation_code
from klassruk.services.incidents import close_incident, list_incidents, report_compromise
from klassruk.services.incidents.voiding import (
    decide_conflict,
    operations_to_void,
    void_operations,
    voided_operations,
)
from klassruk.services.second_factor import confirm_enrolment, start_enrolment
from tests.factories import SYSTEM, actor_of, build_two_classes
from tests.schools.journal_school import JournalSchool, build_journal_school

HOW = "Ребёнок сообщил, что пароль видел одноклассник"


def _as(session, actor: Actor) -> Actor:
    session.info["actor"] = actor
    return actor


def _user(session, login: str) -> UserAccount:
    user = session.scalar(select(UserAccount).where(UserAccount.login == login))
    assert user is not None
    return user


@pytest.fixture
def two(session):
    ids = build_two_classes(session)
    session.flush()
    return ids


@pytest.mark.parametrize(
    ("reporter", "kind"),
    [
        ("parent_a", ReporterKind.SELF),
        ("ct_a", ReporterKind.CLASS_TEACHER),
        ("admin", ReporterKind.ADMIN),
    ],
)
def test_each_reporter_blocks_the_account_and_revokes_sessions_and_codes(
    session, two, reporter, kind
):
    parent = _user(session, "parent_a")
    add_activation_code(
        session, SYSTEM, user_id=parent.id, now=utcnow(), expires_at=utcnow() + timedelta(days=3)
    )
    session.flush()
    cookie_issued_at = utcnow()
    assert user_for_session_token(session, login="parent_a", issued_at=cookie_issued_at)

    actor = _as(session, actor_of(session, reporter))
    found = utcnow() - timedelta(hours=2)
    incident = report_compromise(
        session, actor, login="parent_a", discovered_at=found, how_discovered=HOW,
        suspected_since=found - timedelta(days=1),
    )

    assert incident.reporter_kind is kind
    assert incident.reported_in_time
    assert parent.status is AccountStatus.BLOCKED
    # The cookie captured before the report no longer logs anyone in.
    assert user_for_session_token(session, login="parent_a", issued_at=cookie_issued_at) is None
    assert not session.scalars(
        select(ActivationCode).where(
            ActivationCode.user_id == parent.id, ActivationCode.revoked_at.is_(None)
        )
    ).all()
    notified = set(
        session.scalars(
            select(UserAccount.login)
            .join(Notice, Notice.user_id == UserAccount.id)
            .where(Notice.incident_id == incident.id)
        )
    )
    assert notified == {"admin", "zavuch"}
    # The block itself is audited as part of the incident, with its reason.
    block = session.scalar(
        select(AuditLog).where(
            AuditLog.entity == "user_account", AuditLog.entity_id == str(parent.id),
            AuditLog.incident_id == incident.id,
        )
    )
    assert block is not None and block.changes["status"]["new"] == "blocked"
    assert block.reason == f"Компрометация, инцидент № {incident.id}"
    # Reporting is handling the incident: none of its own writes is an operation to void.
    admin = _as(session, actor_of(session, "admin"))
    assert operations_to_void(
        session, admin, incident_id=incident.id, from_suspected=True
    ) == [], kind


def test_class_teacher_reports_own_pupils_but_no_one_else(session, two):
    ct_a = _as(session, actor_of(session, "ct_a"))
    incident = report_compromise(
        session, ct_a, login="pupil_a", discovered_at=utcnow(), how_discovered=HOW
    )
    assert incident.reporter_kind is ReporterKind.CLASS_TEACHER
    ct_b = _as(session, actor_of(session, "ct_b"))
    for login in ("parent_a", "teacher_a", "nobody-such"):
        with pytest.raises(PermissionDenied):
            report_compromise(
                session, ct_b, login=login, discovered_at=utcnow(), how_discovered=HOW
            )
    ct_a = _as(session, actor_of(session, "ct_a"))
    # A colleague's account is the admin's, and refused as one that does not exist.
    with pytest.raises(PermissionDenied, match="вне вашей зоны"):
        report_compromise(
            session, ct_a, login="teacher_a", discovered_at=utcnow(), how_discovered=HOW
        )
    pupil = _as(session, actor_of(session, "parent_a"))
    with pytest.raises(PermissionDenied):
        report_compromise(
            session, pupil, login="ct_a", discovered_at=utcnow(), how_discovered=HOW
        )
    assert _user(session, "teacher_a").status is AccountStatus.ACTIVE
    assert _user(session, "parent_a").status is AccountStatus.ACTIVE


def test_bad_report_is_refused_with_a_clear_message_and_changes_nothing(session, two):
    admin = _as(session, actor_of(session, "admin"))
    now = utcnow()
    bad = [
        ({"how_discovered": "  "}, "как обнаружена"),
        ({"discovered_at": now + timedelta(hours=1)}, "в будущем"),
        ({"reported_at": now - timedelta(days=3)}, "после её обнаружения"),
        ({"suspected_since": now - timedelta(hours=1)}, "позже её обнаружения"),
    ]
    for override, message in bad:
        arguments = {
            "login": "parent_a", "discovered_at": now - timedelta(days=2),
            "how_discovered": HOW, **override,
        }
        with pytest.raises(DomainError, match=message):
            report_compromise(session, admin, now=now, **arguments)
    assert session.scalar(select(func.count()).select_from(SecurityIncident)) == 0
    assert _user(session, "parent_a").status is AccountStatus.ACTIVE


def test_late_report_is_flagged_and_a_second_report_is_refused(session, two):
    admin = _as(session, actor_of(session, "admin"))
    # Found on Monday 23 November 2026, reported on Wednesday: the deadline was Tuesday night.
    found = datetime(2026, 11, 23, 9, tzinfo=UTC)
    incident = report_compromise(
        session, admin, login="parent_a", discovered_at=found, how_discovered=HOW,
        reported_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
    )
    assert not incident.reported_in_time
    assert incident.deadline_at == datetime(2026, 11, 24, 21, tzinfo=UTC)
    with pytest.raises(DomainError, match="уже открыт"):
        report_compromise(
            session, admin, login="parent_a", discovered_at=found, how_discovered=HOW
        )


# ---------------------------------------------------------------- voiding and restoring


@pytest.fixture
def school(session) -> JournalSchool:
    built = build_journal_school(session)
    session.flush()
    return built


def _grade(session, grade_id: int) -> Grade | None:
    session.expire_all()
    return session.get(Grade, grade_id)


def test_operations_after_the_report_are_voided_and_their_data_restored(session, school):
    """teacher_a's account is used by someone else after the report reached the school."""
    lesson, pupil, other = school.lessons[0], school.two.student_a, school.student_a2
    teacher = _as(session, actor_of(session, "teacher_a"))
    kept = journal.add_grade(session, teacher, lesson_id=lesson, student_id=pupil, value=4)
    changed = journal.add_grade(session, teacher, lesson_id=lesson, student_id=other, value=5)
    deleted = journal.add_grade(session, teacher, lesson_id=school.lessons[1], student_id=pupil,
                                value=3)
    journal.set_absence(session, teacher, lesson_id=lesson, student_id=other,
                        mark=AbsenceMark.ILL)
    session.flush()
    reported = utcnow()

    # With the account, after the report: change, delete, a new grade, an absence changed.
    journal.change_grade(session, teacher, grade_id=changed.id, value=2, reason="пересдача")
    journal.delete_grade(session, teacher, grade_id=deleted.id, reason="ошибка")
    journal.add_grade(session, teacher, lesson_id=school.lessons[2], student_id=pupil, value=2)
    journal.set_absence(session, teacher, lesson_id=lesson, student_id=other,
                        mark=AbsenceMark.ABSENT)
    conflicted = journal.add_grade(session, teacher, lesson_id=school.lessons[3],
                                   student_id=other, value=1)
    session.flush()
    # Someone else corrects the last one later: that data must not be overwritten.
    _as(session, SYSTEM)
    journal.change_grade(session, SYSTEM, grade_id=conflicted.id, value=3, reason="проверка")
    session.flush()

    admin = _as(session, actor_of(session, "admin"))
    incident = report_compromise(
        session, admin, login="teacher_a", discovered_at=reported - timedelta(minutes=1),
        reported_at=reported, how_discovered="Учитель увидел чужие оценки в журнале",
    )
    assert len(operations_to_void(session, admin, incident_id=incident.id)) == 7

    summary = void_operations(
        session, admin, incident_id=incident.id, reason="Операции после сообщения о компрометации"
    )

    assert (summary.voided, summary.restored, summary.conflicts) == (7, 6, 1)
    assert _grade(session, changed.id).value == 5
    # SQLite may give the new grade the deleted one's id: look them up by lesson.
    in_lesson = select(Grade.value).where(Grade.student_id == pupil)
    assert session.scalars(in_lesson.where(Grade.lesson_id == school.lessons[1])).all() == [3]
    assert session.scalars(in_lesson.where(Grade.lesson_id == school.lessons[2])).all() == []
    assert _grade(session, kept.id).value == 4
    mark = session.scalar(select(Absence.mark).where(Absence.student_id == other))
    assert mark is AbsenceMark.ILL
    # The grade history is back as it was: only the later correction by someone else stays.
    history = session.scalars(select(GradeChange.grade_id)).all()
    assert history == [conflicted.id]
    # The conflict is left untouched for a person to decide.
    assert _grade(session, conflicted.id).value == 3
    items = voided_operations(session, admin, incident_id=incident.id)
    conflicts = [i for i in items if i.outcome is ItemOutcome.CONFLICT]
    assert len(conflicts) == 1 and conflicts[0].audit.entity == "grade"
    assert conflicts[0].current is not None and conflicts[0].current["value"] == 3
    # Every voided row is marked; the restoring writes carry the reason and the incident.
    voided = session.scalars(
        select(AuditLog).where(AuditLog.voided_by_incident_id == incident.id)
    ).all()
    assert len(voided) == 7 and {r.actor_login for r in voided} == {"teacher_a"}
    restoring = session.scalars(
        select(AuditLog).where(AuditLog.reason == "Операции после сообщения о компрометации")
    ).all()
    assert {(r.actor_login, r.incident_id) for r in restoring} == {("admin", incident.id)}
    assert {r.entity for r in restoring} == {"grade", "grade_change", "absence"}
    # A second run finds nothing left to void.
    assert operations_to_void(session, admin, incident_id=incident.id) == []

    # Closing waits for the conflict's decision; keeping the later change settles it.
    with pytest.raises(DomainError, match="конфликту"):
        close_incident(session, admin, incident_id=incident.id, note="готово", reinstate=True)
    decide_conflict(session, admin, item_id=conflicts[0].item_id, restore=False,
                    note="Исправление завуча верное")
    assert _grade(session, conflicted.id).value == 3


def test_voiding_from_the_suspected_time_reaches_further_back(session, school):
    teacher = _as(session, actor_of(session, "teacher_a"))
    suspected = utcnow()
    grade = journal.add_grade(session, teacher, lesson_id=school.lessons[0],
                              student_id=school.two.student_a, value=2)
    session.flush()
    admin = _as(session, actor_of(session, "admin"))
    incident = report_compromise(
        session, admin, login="teacher_a", discovered_at=utcnow(), how_discovered=HOW,
        suspected_since=suspected,
    )
    assert operations_to_void(session, admin, incident_id=incident.id) == []
    summary = void_operations(
        session, admin, incident_id=incident.id, reason="С момента подозрения",
        from_suspected=True,
    )
    assert (summary.voided, summary.restored) == (1, 1)
    assert _grade(session, grade.id) is None


def test_a_conflict_restored_by_hand_overwrites_only_on_decision(session, school):
    teacher = _as(session, actor_of(session, "teacher_a"))
    since = utcnow()
    grade = journal.add_grade(session, teacher, lesson_id=school.lessons[0],
                              student_id=school.two.student_a, value=2)
    session.flush()
    _as(session, SYSTEM)
    journal.change_grade(session, SYSTEM, grade_id=grade.id, value=4, reason="исправление")
    session.flush()
    admin = _as(session, actor_of(session, "admin"))
    incident = report_compromise(
        session, admin, login="teacher_a", discovered_at=utcnow(), how_discovered=HOW,
        reported_at=utcnow(), suspected_since=since,
    )
    # The reason's column holds 500 characters: a longer one is refused, not cut or failed.
    with pytest.raises(DomainError, match="не длиннее 500 символов"):
        void_operations(session, admin, incident_id=incident.id, reason="я" * 501)
    assert voided_operations(session, admin, incident_id=incident.id) == []
    void_operations(session, admin, incident_id=incident.id, reason="r", from_suspected=True)
    assert _grade(session, grade.id).value == 4
    (item,) = voided_operations(session, admin, incident_id=incident.id)
    with pytest.raises(DomainError, match="обоснование"):
        decide_conflict(session, admin, item_id=item.item_id, restore=True, note=" \u200b")
    with pytest.raises(DomainError, match="не длиннее 500 символов"):
        decide_conflict(session, admin, item_id=item.item_id, restore=True, note="я" * 501)
    decide_conflict(session, admin, item_id=item.item_id, restore=True, note="Оценку удалить")
    assert _grade(session, grade.id) is None
    (item,) = voided_operations(session, admin, incident_id=incident.id)
    # Who decided is shown by name, not login.
    assert item.outcome is ItemOutcome.RESTORED_BY_HAND and item.decided_by == "Admin"


def test_reinstating_gives_a_new_code_and_forces_a_new_password(session, two):
    admin = _as(session, actor_of(session, "admin"))
    incident = report_compromise(
        session, admin, login="parent_a", discovered_at=utcnow(), how_discovered=HOW
    )
    with pytest.raises(DomainError, match="заключение"):
        close_incident(session, admin, incident_id=incident.id, note="", reinstate=True)
    reinstated = close_incident(
        session, admin, incident_id=incident.id, note="Пароль сменён, доступ восстановлен",
        reinstate=True,
    )
    assert reinstated is not None and reinstated.login == "parent_a"
    parent = _user(session, "parent_a")
    assert parent.status is AccountStatus.ISSUED and parent.password_hash is None
    assert incident.status is IncidentStatus.CLOSED
    assert incident.close_note == "Пароль сменён, доступ восстановлен"
    outcome = activate_with_code(session, user=parent, code=reinstated.code, session_id="s1")
    assert outcome.activated and parent.must_change_password
    with pytest.raises(DomainError, match="уже закрыт"):
        close_incident(session, admin, incident_id=incident.id, note="ещё", reinstate=False)


def test_only_the_admin_handles_incidents_and_teachers_see_their_families_only(session, two):
    admin = _as(session, actor_of(session, "admin"))
    incident = report_compromise(
        session, admin, login="parent_a", discovered_at=utcnow(), how_discovered=HOW
    )
    for login in ("ct_a", "zavuch", "teacher_a", "pupil_a"):
        actor = _as(session, actor_of(session, login))
        with pytest.raises(PermissionDenied):
            void_operations(session, actor, incident_id=incident.id, reason="r")
        with pytest.raises(PermissionDenied):
            close_incident(session, actor, incident_id=incident.id, note="n", reinstate=True)
    assert [row.id for row in list_incidents(session, actor_of(session, "ct_a"))] == [incident.id]
    assert list_incidents(session, actor_of(session, "ct_b")) == []
    assert [row.id for row in list_incidents(session, actor_of(session, "zavuch"))] == [
        incident.id
    ]
    with pytest.raises(PermissionDenied):
        list_incidents(session, actor_of(session, "pupil_a"))


def test_reinstating_drops_a_second_factor_the_intruder_may_have_enrolled(session, two):
    teacher = _as(session, actor_of(session, "teacher_a"))
    setup = start_enrolment(session, teacher)
    confirm_enrolment(session, teacher, setup=setup, code=pyotp.TOTP(setup.secret).now())
    admin = _as(session, actor_of(session, "admin"))
    incident = report_compromise(
        session, admin, login="teacher_a", discovered_at=utcnow(), how_discovered=HOW
    )
    close_incident(session, admin, incident_id=incident.id, note="Доступ восстановлен",
                   reinstate=True)
    assert _user(session, "teacher_a").totp_secret is None
    assert session.scalars(select(RecoveryCode)).all() == []
