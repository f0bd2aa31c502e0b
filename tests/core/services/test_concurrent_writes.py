"""Every read-modify-write service, called by two sessions at the same moment, on both databases.

Each case builds its data, runs the same write in two real sessions (own threads, own
connections and transactions, released together by a barrier) and checks that the outcome is
one of the two serial orders: no duplicate, no lost change, the loser told in Russian.
A service joins by `@read_modify_write` in the core; a registered service without a case here
fails `test_every_registered_service_has_a_case`. The run ends with the table of results.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import klassruk.services
from klassruk.access.permissions import Actor, Role
from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.demo.credentials import class_of_featured_teacher
from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivationCode, ActivityLog
from klassruk.models.accounts import AccountStatus, AppSetting, RecoveryCode, UserAccount, UserRole
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.extracts import ExtractFrequency, ExtractSchedule, PaperExtract
from klassruk.models.families import AckChannel, Acknowledgement
from klassruk.models.incidents import (
    IncidentItem,
    IncidentStatus,
    ItemOutcome,
    Notice,
    SecurityIncident,
)
from klassruk.models.journal import Grade, Lesson, PlannedTest, TimetableSlot
from klassruk.models.notifications import MessageAudience
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    Guardian,
    Holiday,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services import calendar, journal
from klassruk.services.accounts.blocking import set_account_blocked
from klassruk.services.accounts.login import (
    GENERIC_LOGIN_ERROR,
    LockoutPolicy,
    LoginResult,
    PasswordCheck,
    authenticate,
    check_password,
    stored_password_hash,
)
from klassruk.services.acknowledgements.ledger import acknowledge_item, acknowledge_week
from klassruk.services.acknowledgements.state import items_to_acknowledge, week_status
from klassruk.services.cabinet.common import list_children
from klassruk.services.consent.paper_route import PaperMove, move_family_to_paper
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.consent.register import class_consent
from klassruk.services.credentials.blocking import block_accounts
from klassruk.services.credentials.codes import hash_code
from klassruk.services.credentials.issuing import (
    IssueResult,
    RecentCodes,
    RecentCodesFound,
    issue_credentials,
)
from klassruk.services.credentials.people import PersonKind, PersonRef
from klassruk.services.extracts.content import ExtractContent
from klassruk.services.extracts.printing import print_extracts
from klassruk.services.extracts.register import mark_returned
from klassruk.services.extracts.schedule import set_schedule
from klassruk.services.family_links import end_guardian_link
from klassruk.services.groups.queries import whole_class_group
from klassruk.services.groups.streams import create_stream, delete_stream
from klassruk.services.incidents import close_incident, report_compromise
from klassruk.services.incidents.voiding import (
    decide_conflict,
    operations_to_void,
    void_operations,
    voided_operations,
)
from klassruk.services.journal.lessons import add_lesson, plan_test
from klassruk.services.locking import READ_MODIFY_WRITE
from klassruk.services.notifications.messages import Audience, send_message
from klassruk.services.roster.applying import apply_import
from klassruk.services.roster.plans import ImportPreview
from klassruk.services.school_settings import APP_URL_KEY, set_app_url
from klassruk.services.school_year.rollover import apply_rollover, plan_rollover
from klassruk.services.second_factor import TotpSetup, confirm_enrolment, start_enrolment
from klassruk.services.teaching_load.saving import LoadInput, save_teaching_load
from klassruk.services.teaching_load.subjects import add_subject
from klassruk.services.throttling import SPRAY_ALERT_EVENT, ThrottlePolicy, alert_on_spraying
from klassruk.services.timetable.changes import substitute_teacher
from klassruk.services.timetable.generation import generate_lessons
from klassruk.services.timetable.slot_import import import_slots
from klassruk.services.timetable.slots import add_slot, delete_slot
from klassruk.services.user_admin import set_roles
from tests.concurrency import run_together
from tests.core.services.credentials.test_issuing_concurrency import _valid_codes
from tests.core.services.roster.test_roster import ROWS, _csv_utf8
from tests.factories import SYSTEM, actor_of, make_account
from tests.frozen import TODAY
from tests.schools import roster_school
from tests.schools.journal_school import JournalSchool, build_journal_school

Writer = tuple[Actor, Callable[[Session], Any], Callable[[Session, Any], Any]]
SERVICES = Path(klassruk.services.__file__).parent
# Each write keeps its transaction open this long: the two writes overlap on every run.
HOLD_S = 0.5


def _nothing(_session: Session) -> None:
    return None


def _actors(factory: sessionmaker[Session], *logins: str) -> list[Actor]:
    with factory() as session:
        return [actor_of(session, login) for login in logins]


def _count(factory: sessionmaker[Session], query: Any) -> int:
    with factory() as session:
        return int(session.scalar(query) or 0)


def _refused(results: list[Any], text: str) -> tuple[list[Any], Exception]:
    """The winners and the one loser, who got a DomainError containing `text`."""
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(losers) == 1, results
    assert isinstance(losers[0], DomainError) and text in str(losers[0]), repr(losers[0])
    return [r for r in results if not isinstance(r, Exception)], losers[0]


def _no_errors(results: list[Any]) -> None:
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors


# ---------------------------------------------------------------- the demo school's family


def _demo(factory: sessionmaker[Session]) -> dict[str, Any]:
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
        class_id = class_of_featured_teacher(session).id
        teacher = actor_of(session, "klassruk")
        board = class_consent(session, teacher, class_id=class_id, on=TODAY)
        given = next(
            row for row in board.rows
            if row.subject is ConsentSubject.CHILD and row.state is ConsentState.GIVEN
        )
        electronic = next(
            row for row in board.rows
            if row.subject is ConsentSubject.CHILD and row.state is ConsentState.GIVEN
            and not row.prefers_paper
        )
        child = list_children(session, actor_of(session, "roditel"), on=TODAY)[0].student_id
    return {"class_id": class_id, "given": given, "electronic": electronic, "child": child}


def _consent_writer(demo: dict[str, Any], state: ConsentState, **extra: Any):
    row = demo["given"]

    def write(session: Session, _seen: Any) -> ConsentEntry:
        fact = ConsentFact(
            subject=ConsentSubject.CHILD, state=state, signed_on=TODAY, form_number="ПД-9001",
            guardian_id=row.guardian_id, student_id=row.student_id,
        )
        return record_consent(
            session, session.info["actor"], class_id=demo["class_id"], on=TODAY, fact=fact,
            **extra,
        )

    return write


def _entries(factory: sessionmaker[Session], demo: dict[str, Any], *where: Any) -> int:
    row = demo["given"]
    return _count(factory, select(func.count(ConsentEntry.id)).where(
        ConsentEntry.guardian_id == row.guardian_id, ConsentEntry.student_id == row.student_id,
        *where,
    ))


def _withdraw_twice(factory):
    demo = _demo(factory)
    write = _consent_writer(demo, ConsentState.WITHDRAWN, reason="заявление родителя")
    return demo, [(a, _nothing, write) for a in _actors(factory, "klassruk", "klassruk")]


def _withdrawn_once(factory, demo, results):
    _refused(results, "Сейчас согласие в состоянии «отозвано»")
    assert _entries(factory, demo, ConsentEntry.state == ConsentState.WITHDRAWN) == 1
    return "одна запись «отозвано», второй — отказ"


def _correct_twice(factory):
    demo = _demo(factory)
    write = _consent_writer(
        demo, ConsentState.REFUSED, corrects_id=demo["given"].entry_id, reason="ошибка ввода"
    )
    return demo, [(a, _nothing, write) for a in _actors(factory, "klassruk", "klassruk")]


def _corrected_once(factory, demo, results):
    _refused(results, "Исправить можно только последнюю запись")
    assert _entries(factory, demo, ConsentEntry.corrects_id == demo["given"].entry_id) == 1
    return "одно исправление, второму — отказ"


def _paper_twice(factory):
    demo = _demo(factory)
    row = demo["electronic"]

    def write(session: Session, _seen: Any) -> PaperMove:
        return move_family_to_paper(
            session, session.info["actor"], guardian_id=row.guardian_id,
            class_id=demo["class_id"], form_number="З-7", signed_on=TODAY,
            reason="нет интернета дома", on=TODAY,
        )

    return demo, [(a, _nothing, write) for a in _actors(factory, "klassruk", "klassruk")]


def _paper_once(factory, demo, results):
    _no_errors(results)
    first, second = sorted(results, key=lambda r: len(r.moved), reverse=True)
    assert first.moved and not second.moved
    assert "уже выбрал бумажную форму" in second.message
    paper = _count(factory, select(func.count(ConsentEntry.id)).where(
        ConsentEntry.guardian_id == demo["electronic"].guardian_id, ConsentEntry.prefers_paper,
    ))
    assert paper == len(first.moved)
    return "одна запись «на бумаге» на ребёнка, второму — «уже на бумаге»"


def _ack_twice(factory, read_digest: Callable[[Session, Actor, int], Any], write_ack):
    demo = _demo(factory)
    parents = _actors(factory, "roditel", "roditel")

    def read(session: Session) -> Any:
        return read_digest(session, session.info["actor"], demo["child"])

    def write(session: Session, seen: Any) -> Acknowledgement:
        return write_ack(session, session.info["actor"], demo["child"], seen)

    return demo, [(parent, read, write) for parent in parents]


def _ack_week_twice(factory):
    week = calendar.week_start(TODAY)
    return _ack_twice(
        factory,
        lambda s, a, child: week_status(
            s, a, student_id=child, week_start=week, on=TODAY
        ).content.digest,
        lambda s, a, child, digest: acknowledge_week(
            s, a, student_id=child, week_start=week, digest=digest, on=TODAY
        ),
    )


def _ack_item_twice(factory):
    return _ack_twice(
        factory,
        lambda s, a, child: items_to_acknowledge(
            s, a, student_id=child, on=TODAY
        )[0],
        lambda s, a, child, item: acknowledge_item(
            s, a, student_id=child, kind=item.kind, item_id=item.item_id, digest=item.digest,
            on=TODAY,
        ),
    )


def _acknowledged_once(factory, demo, results):
    _no_errors(results)
    assert results[0].id == results[1].id, results  # the second call is «already done»
    assert _count(factory, select(func.count(Acknowledgement.id)).where(
        Acknowledgement.student_id == demo["child"], Acknowledgement.kind == results[0].kind,
        Acknowledgement.channel == AckChannel.WEB,
    )) == 1
    return "одна запись в журнале, оба получили её"


def _return_twice(factory):
    demo = _demo(factory)
    with factory() as session:
        extract = session.scalar(
            select(PaperExtract).where(
                PaperExtract.returned_on.is_(None), PaperExtract.handed_on.is_not(None)
            )
        )
        assert extract is not None
        ledger = extract.covered["ledger"]
        demo["extract"] = extract.id
        demo["slip"] = len(ledger["weeks"]) + len(ledger["items"])
    demo["paper_before"] = _paper(factory)

    def write(session: Session, _seen: Any) -> None:
        mark_returned(
            session, session.info["actor"], extract_id=demo["extract"], returned_on=TODAY,
            on=TODAY,
        )

    return demo, [(a, _nothing, write) for a in _actors(factory, "klassruk", "klassruk")]


def _paper(factory: sessionmaker[Session]) -> int:
    return _count(factory, select(func.count(Acknowledgement.id)).where(
        Acknowledgement.channel == AckChannel.PAPER
    ))


def _returned_once(factory, demo, results):
    _refused(results, "уже отмечен возвращённым")
    assert demo["slip"] > 0
    assert _paper(factory) - demo["paper_before"] == demo["slip"]
    return f"бумажных подтверждений: +{demo['slip']}, второму — отказ"


def _schedule_twice(factory):
    demo = _demo(factory)
    demo["class"] = demo["class_id"]
    with unit_of_work(factory, SYSTEM) as session:  # the demo's class starts with no schedule
        session.delete(session.get(ExtractSchedule, demo["class"]))

    def set_to(frequency: ExtractFrequency):
        def write(session: Session, _seen: Any) -> None:
            set_schedule(
                session, session.info["actor"], class_id=demo["class"], frequency=frequency,
                starts_on=date(2026, 8, 31),
            )

        return write

    teachers = _actors(factory, "klassruk", "klassruk")
    frequencies = (ExtractFrequency.WEEKLY, ExtractFrequency.BIWEEKLY)
    return demo, [(t, _nothing, set_to(f)) for t, f in zip(teachers, frequencies, strict=True)]


def _scheduled_once(factory, demo, results):
    _no_errors(results)
    with factory() as session:
        rows = session.scalars(
            select(ExtractSchedule).where(ExtractSchedule.class_id == demo["class"])
        ).all()
    assert len(rows) == 1
    return "одно расписание, второй вызов его обновил"


# ---------------------------------------------------------------- the tiny roster school


def _roster(factory):
    with unit_of_work(factory, SYSTEM) as session:
        return roster_school.build_school(session)


def _issue_twice(factory):
    school = _roster(factory)

    def issue(session: Session, _seen: Any) -> IssueResult:
        return issue_credentials(
            session, session.info["actor"], class_id=school.class_a, on=roster_school.ON
        )

    teachers = _actors(factory, roster_school.TEACHER_A, roster_school.TEACHER_A)
    return school, [(t, _nothing, issue) for t in teachers]


def _issued_once(factory, school, results):
    winners, loser = _refused(results, "меньше часа назад")
    assert isinstance(loser, RecentCodesFound)
    slips = winners[0].issued
    assert slips and _valid_codes(factory, slips) == len(slips)
    return f"{len(slips)} листка, второму — вопрос о свежих кодах"


def _replace_twice(factory):
    """Both teachers were asked about the same fresh slips and both answer «заново всем»."""
    school = _roster(factory)
    teachers = _actors(factory, roster_school.TEACHER_A, roster_school.TEACHER_A)
    with unit_of_work(factory, teachers[0]) as session:
        issue_credentials(session, teachers[0], class_id=school.class_a, on=roster_school.ON)
    with pytest.raises(RecentCodesFound) as asked, unit_of_work(factory, teachers[0]) as session:
        issue_credentials(session, teachers[0], class_id=school.class_a, on=roster_school.ON)

    def replace(session: Session, _seen: Any) -> IssueResult:
        return issue_credentials(
            session, session.info["actor"], class_id=school.class_a, on=roster_school.ON,
            recent=RecentCodes.REPLACE, recent_seen=asked.value.seen,
        )

    return school, [(t, _nothing, replace) for t in teachers]


def _replaced_once(factory, school, results):
    winners, loser = _refused(results, "меньше часа назад")
    assert isinstance(loser, RecentCodesFound)  # asked again: these slips were not in question
    slips = winners[0].issued
    assert slips and _valid_codes(factory, slips) == len(slips)
    return "заменены один раз, второго спросили о новых листках"


def _import_twice(factory):
    school = _roster(factory)
    content = _csv_utf8(ROWS)

    def write(session: Session, _seen: Any) -> ImportPreview:
        return apply_import(
            session, session.info["actor"], content=content, filename="roster.csv",
            on=roster_school.ON, class_id=school.class_a,
        )

    teachers = _actors(factory, roster_school.TEACHER_A, roster_school.TEACHER_A)
    return school, [(t, _nothing, write) for t in teachers]


def _imported_once(factory, school, results):
    _no_errors(results)
    pupils = {(row[1], row[2]) for row in ROWS}
    parents = {(row[5], row[6]) for row in ROWS} | {(row[11], row[12]) for row in ROWS if row[11]}
    with factory() as session:
        students = session.execute(select(Student.last_name, Student.first_name)).all()
        guardians = session.execute(select(Guardian.last_name, Guardian.first_name)).all()
    assert sum(tuple(s) in pupils for s in students) == len(pupils)
    assert sum(tuple(g) in parents for g in guardians) == len(parents)
    return f"{len(pupils)} обучающихся и {len(parents)} представителя, второй импорт их нашёл"


# ---------------------------------------------------------------- a compromised teacher


@dataclass
class Compromise:
    school: JournalSchool
    key: tuple[int, int]  # (student, lesson) of the grade teacher_a's account gave
    incident: int | None = None
    operations: int = 0
    item: int | None = None


def _compromise(factory, *, report: bool = True, voided: bool = False,
                changed_to: int | None = None) -> Compromise:
    """teacher_a's account gives a 4; ct_b covers the lesson; maybe changed, reported, voided."""
    with unit_of_work(factory, SYSTEM) as session:
        school = build_journal_school(session)
    key = (school.two.student_a, school.lessons[0])
    since = utcnow() - timedelta(seconds=1)
    teacher, admin, ct_b = _actors(factory, "teacher_a", "admin", "ct_b")
    with unit_of_work(factory, teacher) as session:
        journal.add_grade(session, teacher, lesson_id=key[1], student_id=key[0], value=4)
    with unit_of_work(factory, SYSTEM) as session:
        substitute_teacher(
            session, SYSTEM, lesson_id=key[1], staff_id=ct_b.staff_id, reason="болезнь"
        )
    found = Compromise(school, key)
    if changed_to is not None:
        with unit_of_work(factory, ct_b) as session:
            _save_cell(session, ct_b, school, key, "4", str(changed_to))
    if not report:
        return found
    with unit_of_work(factory, admin) as session:
        found.incident = report_compromise(
            session, admin, login="teacher_a", discovered_at=utcnow(), suspected_since=since,
            how_discovered="письмо с чужого адреса",
        ).id
        found.operations = len(operations_to_void(
            session, admin, incident_id=found.incident, from_suspected=True
        ))
    if voided:
        with unit_of_work(factory, admin) as session:
            void_operations(session, admin, incident_id=found.incident, reason="взлом",
                            from_suspected=True)
            found.item = voided_operations(session, admin, incident_id=found.incident)[0].item_id
    return found


def _save_cell(session: Session, actor: Actor, school: JournalSchool, key, shown: str, new: str):
    return journal.save_grid(
        session, actor, edits={key: journal.CellEdit(shown, new)}, reason="пересдача",
        group_id=school.two.group_a, subject_id=school.math, period_id=school.open_period,
    )


def _grades(factory, found: Compromise) -> list[int]:
    with factory() as session:
        return list(session.scalars(select(Grade.value).where(
            Grade.student_id == found.key[0], Grade.lesson_id == found.key[1]
        )))


def _void(found: Compromise):
    def write(session: Session, _seen: Any) -> journal.SaveSummary:
        return void_operations(
            session, session.info["actor"], incident_id=found.incident, reason="взлом",
            from_suspected=True,
        )

    return write


def _report_twice(factory):
    found = _compromise(factory, report=False)

    def write(session: Session, _seen: Any) -> SecurityIncident:
        return report_compromise(
            session, session.info["actor"], login="teacher_a", discovered_at=utcnow(),
            how_discovered="вход ночью",
        )

    return found, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _reported_once(factory, found, results):
    _refused(results, "уже открыт инцидент")
    assert _count(factory, select(func.count(SecurityIncident.id)).where(
        SecurityIncident.status == IncidentStatus.OPEN
    )) == 1
    return "один открытый инцидент, второму — отказ"


def _void_twice(factory):
    found = _compromise(factory)
    return found, [(a, _nothing, _void(found)) for a in _actors(factory, "admin", "admin")]


def _voided_once(factory, found, results):
    _no_errors(results)
    assert found.operations > 0
    assert sorted(r.voided for r in results) == [0, found.operations]
    assert _count(factory, select(func.count(IncidentItem.id))) == found.operations
    assert _grades(factory, found) == []
    return f"операций аннулировано {found.operations}, второй — 0"


def _void_while_editing(factory):
    found = _compromise(factory)
    admin, ct_b = _actors(factory, "admin", "ct_b")

    def read(session: Session) -> str:
        return journal.read_journal(
            session, SYSTEM, group_id=found.school.two.group_a, subject_id=found.school.math,
            period_id=found.school.open_period,
        ).cells[found.key]

    def edit(session: Session, shown: str) -> journal.SaveSummary:
        return _save_cell(session, ct_b, found.school, found.key, shown, "5")

    return found, [(admin, _nothing, _void(found)), (ct_b, read, edit)]


def _void_or_edit(factory, found, results):
    voided, edited = results
    assert not isinstance(voided, Exception), voided
    with factory() as session:
        outcomes = {i.outcome for i in session.scalars(select(IncidentItem))}
    if isinstance(edited, Exception):  # the void came first: the edit saw its cell change
        assert isinstance(edited, DomainError) and "сейчас" in str(edited), repr(edited)
        assert _grades(factory, found) == [] and ItemOutcome.CONFLICT not in outcomes
        return "аннулирование первым, правке — конфликт с текущим значением"
    assert _grades(factory, found) == [5] and ItemOutcome.CONFLICT in outcomes
    return "правка первой, аннулирование — конфликт для решения"


def _decide_twice(factory):
    found = _compromise(factory, voided=True, changed_to=5)

    def decide(restore: bool):
        def write(session: Session, _seen: Any) -> None:
            decide_conflict(session, session.info["actor"], item_id=found.item,
                            restore=restore, note="решение")

        return write

    admins = _actors(factory, "admin", "admin")
    return found, [(admins[0], _nothing, decide(False)), (admins[1], _nothing, decide(True))]


def _decided_once(factory, found, results):
    _refused(results, "уже обработана")
    with factory() as session:
        item = session.get(IncidentItem, found.item)
        assert item is not None
        outcome = item.outcome
    kept = results[0] is None
    assert outcome is (ItemOutcome.KEPT if kept else ItemOutcome.RESTORED_BY_HAND)
    assert _grades(factory, found) == ([5] if kept else [])
    return "одно решение, второму — «уже обработана»"


def _close_twice(factory):
    found = _compromise(factory)

    def write(session: Session, _seen: Any) -> None:
        close_incident(session, session.info["actor"], incident_id=found.incident,
                       note="проверено", reinstate=False)

    return found, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _closed_once(factory, found, results):
    _refused(results, "уже закрыт")
    return "закрыт один раз, второму — отказ"


# ---------------------------------------------------------------- accounts, links, subjects


def _block_twice(factory):
    _compromise(factory, report=False)

    def write(session: Session, _seen: Any) -> UserAccount:
        return set_account_blocked(session, session.info["actor"], login="teacher_a",
                                   blocked=True, reason="утеря пароля")

    return None, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _blocked_once(factory, _world, results):
    _refused(results, "уже заблокирована")
    return "заблокирована один раз, второму — отказ"


def _unblock_while_reported(factory):
    _compromise(factory, report=False)
    admin = _actors(factory, "admin")[0]
    with unit_of_work(factory, admin) as session:
        set_account_blocked(session, admin, login="teacher_a", blocked=True, reason="отпуск")

    def unblock(session: Session, _seen: Any) -> UserAccount:
        return set_account_blocked(session, session.info["actor"], login="teacher_a",
                                   blocked=False, reason="вернулась")

    def report(session: Session, _seen: Any) -> SecurityIncident:
        return report_compromise(session, session.info["actor"], login="teacher_a",
                                 discovered_at=utcnow(), how_discovered="вход ночью")

    admins = _actors(factory, "admin", "admin")
    return None, [(admins[0], _nothing, unblock), (admins[1], _nothing, report)]


def _blocked_with_its_incident(factory, _world, results):
    unblocked, reported = results
    assert isinstance(reported, SecurityIncident), reported
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == "teacher_a"))
        assert user is not None
        status = user.status
    assert status is AccountStatus.BLOCKED  # whatever the order, the incident's block stays
    if isinstance(unblocked, Exception):
        assert "открыт инцидент" in str(unblocked), repr(unblocked)
        return "сообщение первым, разблокировке — отказ"
    return "разблокировка первой, сообщение заблокировало снова"


def _roles_twice(factory):
    _compromise(factory, report=False)

    def write(session: Session, _seen: Any) -> Any:
        return set_roles(session, session.info["actor"], login="teacher_a",
                         roles=frozenset({Role.TEACHER, Role.DEPUTY_HEAD}), reason="приказ")

    return None, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _roles_once(factory, _world, results):
    _refused(results, "не изменились")
    with factory() as session:
        roles = session.scalars(
            select(UserRole.role).join(UserAccount).where(UserAccount.login == "teacher_a")
        ).all()
    assert sorted(roles) == sorted([Role.TEACHER, Role.DEPUTY_HEAD])
    return "роли даны один раз, второму — «не изменились»"


def _admins_unseat_each_other(factory):
    _compromise(factory, report=False)
    with unit_of_work(factory, SYSTEM) as session:
        make_account(session, "admin2", {Role.ADMIN})

    def unseat(login: str):
        def write(session: Session, _seen: Any) -> Any:
            return set_roles(session, session.info["actor"], login=login,
                             roles=frozenset({Role.DEPUTY_HEAD}), reason="перевод")

        return write

    admin, admin2 = _actors(factory, "admin", "admin2")
    return None, [(admin, _nothing, unseat("admin2")), (admin2, _nothing, unseat("admin"))]


def _one_admin_left(factory, _world, results):
    _refused(results, "последний действующий администратор")
    with factory() as session:
        admins = session.scalars(select(UserRole.user_id).where(UserRole.role == Role.ADMIN))
        assert len(admins.all()) == 1
    return "один администратор остался, второму — отказ"


def _end_link_twice(factory):
    demo = _demo(factory)
    row = demo["given"]

    def write(session: Session, _seen: Any) -> Any:
        return end_guardian_link(
            session, session.info["actor"], guardian_id=row.guardian_id,
            student_id=row.student_id, ends_on=TODAY, reason="решение суда", on=TODAY,
        )

    return demo, [(a, _nothing, write) for a in _actors(factory, "klassruk", "klassruk")]


def _ended_once(factory, demo, results):
    _refused(results, "уже прекращена")
    return "прекращена один раз, второму — отказ"


def _subject_twice(factory):
    _roster(factory)

    def write(session: Session, _seen: Any) -> Any:
        return add_subject(session, session.info["actor"], name="Астрономия")

    return None, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _subject_once(factory, _world, results):
    _refused(results, "уже есть")
    assert _count(factory, select(func.count(Subject.id)).where(Subject.name == "Астрономия")) == 1
    return "один предмет, второму — «уже есть»"



# ---------------------------------------------------------------- credentials and logins


def _block_class_accounts_twice(factory):
    school = _roster(factory)
    teacher = _actors(factory, roster_school.TEACHER_A)[0]
    petr = [PersonRef(PersonKind.STUDENT, school.petr)]
    with unit_of_work(factory, teacher) as session:
        issue_credentials(session, teacher, class_id=school.class_a, on=roster_school.ON,
                          people=petr)

    def write(session: Session, _seen: Any) -> int:
        return block_accounts(session, session.info["actor"], class_id=school.class_a,
                              on=roster_school.ON, people=petr)

    return None, [(a, _nothing, write) for a in _actors(factory, *[roster_school.TEACHER_A] * 2)]


def _class_accounts_blocked_once(factory, _world, results):
    _no_errors(results)
    assert sorted(results) == [0, 1], results
    assert _count(factory, select(func.count(ActivityLog.id)).where(
        ActivityLog.event == "account_blocked"
    )) == 1
    assert _count(factory, select(func.count(ActivationCode.id)).where(
        ActivationCode.revoked_at.is_(None)
    )) == 0
    return "заблокирована один раз, второй вызов ничего не изменил (0)"


def _wrong_password_twice(factory):
    _roster(factory)
    login = roster_school.TEACHER_A

    def read(session: Session) -> PasswordCheck:
        stored = stored_password_hash(session, login=login)
        return check_password(login=login, password="не тот пароль", stored_hash=stored)

    def write(session: Session, check: PasswordCheck) -> LoginResult:
        return authenticate(session, check=check, policy=LockoutPolicy())

    return login, [(SYSTEM, read, write), (SYSTEM, read, write)]


def _both_failures_counted(factory, login, results):
    _no_errors(results)
    assert [r.error for r in results] == [GENERIC_LOGIN_ERROR] * 2
    assert _count(factory, select(UserAccount.failed_attempts).where(
        UserAccount.login == login
    )) == 2
    return "обе ошибки входа засчитаны (2)"


SPRAY = ThrottlePolicy(school_alert_failures=10)


def _spray_alert_twice(factory):
    _roster(factory)
    with unit_of_work(factory, SYSTEM) as session:
        # One failure short of the alert: each of the two guesses below reaches it.
        session.add_all(
            ActivityLog(event="login_failed", login=f"guess{n % 6}", at=utcnow(),
                        client_address=f"10.0.0.{n}")
            for n in range(SPRAY.school_alert_failures - 1)
        )

    def write(session: Session, _seen: Any) -> bool:
        session.add(ActivityLog(event="login_failed", login="guess9", at=utcnow(),
                                client_address="10.0.1.1"))
        session.flush()
        return alert_on_spraying(session, policy=SPRAY, now=utcnow())

    return None, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _alerted_once(factory, _world, results):
    _no_errors(results)
    assert sorted(results) == [False, True], results
    assert _count(factory, select(func.count(ActivityLog.id)).where(
        ActivityLog.event == SPRAY_ALERT_EVENT
    )) == 1
    assert _count(factory, select(func.count(Notice.id))) == 1  # the school's one admin
    return "одно оповещение администратору, второй вход его застал"


def _totp(setup: TotpSetup) -> str:
    return pyotp.TOTP(setup.secret).at(utcnow())


def _enrol_twice(factory):
    """Two windows each start an enrolment and confirm it with their own app's code."""
    _roster(factory)

    def write(session: Session, _seen: Any) -> list[str]:
        setup = start_enrolment(session, session.info["actor"])
        return confirm_enrolment(session, session.info["actor"], setup=setup, code=_totp(setup))

    return None, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _confirm_twice(factory):
    """Two windows started their enrolments earlier; both confirm at once."""
    _roster(factory)

    def read(session: Session) -> TotpSetup:
        return start_enrolment(session, session.info["actor"])

    def write(session: Session, setup: TotpSetup) -> list[str]:
        return confirm_enrolment(session, session.info["actor"], setup=setup, code=_totp(setup))

    return None, [(a, read, write) for a in _actors(factory, "admin", "admin")]


def _enrolled_once(factory, _world, results):
    (codes,), _ = _refused(results, "Второй фактор уже подключён")
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == "admin"))
        assert user is not None and user.totp_secret is not None
        kept = session.scalars(select(RecoveryCode.code_hash).where(
            RecoveryCode.user_id == user.id
        )).all()
        # The stored secret and recovery codes are the winner's, not a mix of the two.
        assert sorted(kept) == sorted(hash_code(user.id, code) for code in codes)
    return "подключён один раз (коды победителя), второму — «уже подключён»"


def _address_twice(factory):
    """Two admins give the school its first address at once (the setting's row is new)."""
    _roster(factory)

    def set_to(address: str):
        def write(session: Session, _seen: Any) -> str:
            return set_app_url(session, session.info["actor"], app_url=address)

        return write

    admins = _actors(factory, "admin", "admin")
    return None, [(admins[0], _nothing, set_to("https://a.example")),
                  (admins[1], _nothing, set_to("https://b.example"))]


def _address_set_once(factory, _world, results):
    _no_errors(results)
    with factory() as session:
        stored = session.scalars(select(AppSetting.value).where(AppSetting.key == APP_URL_KEY))
        assert stored.all() in (["https://a.example"], ["https://b.example"])
    return "одна строка настройки, последнее значение"


def _holiday_twice(factory):
    demo = _demo(factory)
    with factory() as session:
        demo["holiday"] = session.scalar(select(Holiday.id).order_by(Holiday.id))

    def write(session: Session, _seen: Any) -> None:
        calendar.delete_holiday(session, session.info["actor"], holiday_id=demo["holiday"])

    return demo, [(a, _nothing, write) for a in _actors(factory, "zavuch", "zavuch")]


def _deleted_once(factory, demo, results):
    _refused(results, "Каникулы не найдены")
    assert _count(factory, select(func.count(Holiday.id)).where(Holiday.id == demo["holiday"])) == 0
    return "удалены один раз, второму — «не найдены»"


# ---------------------------------------------------------------- groups and the journal
# A school day of the journal school's open period (a Tuesday: no timetabled maths).
SCHOOL_DAY = date(2026, 9, 8)


# ---------------------------------------------------------------- timetable, extracts, load


def _journal_school(factory) -> JournalSchool:
    with unit_of_work(factory, SYSTEM) as session:
        return build_journal_school(session)


def _slots_at(factory, weekday: int, number: int) -> int:
    return _count(factory, select(func.count(TimetableSlot.id)).where(
        TimetableSlot.weekday == weekday, TimetableSlot.lesson_number == number
    ))


def _add_slot_writer(school: JournalSchool, group_id: int):
    def write(session: Session, _seen: Any) -> TimetableSlot:
        return add_slot(
            session, session.info["actor"], group_id=group_id, subject_id=school.math,
            staff_id=school.teacher_a_staff, weekday=2, lesson_number=3,
        )

    return write


def _slot_twice(factory):
    school = _journal_school(factory)
    write = _add_slot_writer(school, school.two.group_a)
    return school, [(a, _nothing, write) for a in _actors(factory, "zavuch", "zavuch")]


def _teacher_in_two_groups(factory):
    school = _journal_school(factory)
    deputies = _actors(factory, "zavuch", "zavuch")
    groups = (school.two.group_a, school.two.group_b)
    return school, [
        (a, _nothing, _add_slot_writer(school, g)) for a, g in zip(deputies, groups, strict=True)
    ]


def _one_slot(factory, _school, results):
    _refused(results, "Урок не добавлен")
    assert _slots_at(factory, 2, 3) == 1
    return "один урок в расписании, второму — «занято»"


def _delete_slot_twice(factory):
    school = _journal_school(factory)
    with factory() as session:
        slot_id = session.scalar(select(TimetableSlot.id).order_by(TimetableSlot.id))

    def write(session: Session, _seen: Any) -> None:
        delete_slot(session, session.info["actor"], slot_id=slot_id)

    return (school, slot_id), [(a, _nothing, write) for a in _actors(factory, "zavuch", "zavuch")]


def _slot_deleted_once(factory, world, results):
    _refused(results, "не найден")
    assert _count(factory, select(func.count(TimetableSlot.id)).where(
        TimetableSlot.id == world[1]
    )) == 0
    return "удалён один раз, второму — «не найден»"


def _slot_file(factory, school: JournalSchool, *rows: str) -> bytes:
    """A timetable file whose rows are «group,day,number» of maths by teacher_a."""
    with factory() as session:
        teacher = session.get(Staff, school.teacher_a_staff)
        assert teacher is not None
        name = teacher.full_name
    lines = [f"{row},Математика,{name},21" for row in rows]
    return "\n".join(["Группа,День,Урок,Предмет,Учитель,Кабинет", *lines]).encode()


def _import_writer(content: bytes):
    def write(session: Session, _seen: Any) -> Any:
        return import_slots(session, session.info["actor"], data=content, filename="t.csv")

    return write


def _import_slots_twice(factory):
    school = _journal_school(factory)
    write = _import_writer(_slot_file(factory, school, "7А,Вт,3", "8Б,Чт,4"))
    before = _count(factory, select(func.count(TimetableSlot.id)))
    return before, [(a, _nothing, write) for a in _actors(factory, "zavuch", "zavuch")]


def _import_one_teacher_twice(factory):
    """Two files book teacher_a at Tuesday's 3rd lesson, each in another class."""
    school = _journal_school(factory)
    files = [_slot_file(factory, school, f"{group},Вт,3") for group in ("7А", "8Б")]
    deputies = _actors(factory, "zavuch", "zavuch")
    return school, [
        (a, _nothing, _import_writer(f)) for a, f in zip(deputies, files, strict=True)
    ]


def _teacher_imported_once(factory, _school, results):
    _refused(results, "Расписание не загружено")
    assert _slots_at(factory, 2, 3) == 1
    return "один урок учителя в этот час, второму файлу — «не загружено»"


def _slots_imported_once(factory, before, results):
    (winner,), _ = _refused(results, "Расписание не загружено")
    assert winner.added == 2
    assert _count(factory, select(func.count(TimetableSlot.id))) == before + 2
    return "2 урока добавлены один раз, второму — «не загружено»"


def _generate_twice(factory):
    school = _journal_school(factory)
    before = _count(factory, select(func.count(Lesson.id)))

    def write(session: Session, _seen: Any) -> int:
        return generate_lessons(
            session, session.info["actor"], starts_on=date(2026, 10, 1),
            ends_on=date(2026, 10, 24),
        )

    return (school, before), [(a, _nothing, write) for a in _actors(factory, "zavuch", "zavuch")]


def _generated_once(factory, world, results):
    _no_errors(results)
    added = max(results)
    assert added > 0 and sorted(results) == [0, added], results
    assert _count(factory, select(func.count(Lesson.id))) == world[1] + added
    return f"уроков создано {added}, второй — 0"


def _print_twice(factory):
    demo = _demo(factory)
    teacher = _actors(factory, "klassruk")[0]
    with unit_of_work(factory, teacher) as session:
        send_message(
            session, teacher, audience=Audience(MessageAudience.CLASS, class_id=demo["class_id"]),
            title="Экскурсия", body="В пятницу едем в музей.", asks_acknowledgement=False,
            on=TODAY,
        )
    demo["printed_before"] = _count(factory, select(func.count(PaperExtract.id)))

    def write(session: Session, _seen: Any) -> list[ExtractContent]:
        return print_extracts(
            session, session.info["actor"], class_id=demo["class_id"], on=TODAY,
            date_from=TODAY - timedelta(days=6), date_to=TODAY,
        )

    return demo, [(a, _nothing, write) for a in _actors(factory, "klassruk", "klassruk")]


def _printed_in_turn(factory, demo, results):
    _no_errors(results)
    first, second = results
    assert first and len(first) == len(second)
    assert _count(factory, select(func.count(PaperExtract.id))) == (
        demo["printed_before"] + 2 * len(first)
    )
    shown = [
        (content.guardian_id, line.subject)
        for content in first + second for line in content.messages
        if line.subject == "Экскурсия"
    ]
    assert shown and len(shown) == len(set(shown)), shown  # each family's message printed once
    return f"{len(first)} + {len(second)} выписок, сообщение — только в одной из двух"


def _save_load_twice(factory):
    _roster(factory)
    rows = [
        LoadInput(2, "7А", "Астрономия", "Соколова Ирина Павловна", "1"),
        LoadInput(3, "7Б", "Астрономия", "Белов Андрей Ильич", "1,5"),
    ]

    def write(session: Session, _seen: Any) -> Any:
        return save_teaching_load(
            session, session.info["actor"], rows=rows, replace=False, create_subjects=True
        )

    return None, [(a, _nothing, write) for a in _actors(factory, "admin", "admin")]


def _load_saved_once(factory, _world, results):
    _no_errors(results)
    assert sorted(r.created for r in results) == [0, 2], results
    assert _count(factory, select(func.count(Subject.id)).where(Subject.name == "Астрономия")) == 1
    assert _count(factory, select(func.count(TeachingAssignment.id))) == 2
    return "один предмет и 2 строки нагрузки, второе сохранение ничего не изменило"


def _rollover_twice(factory):
    _demo(factory)
    summer = date(2027, 6, 15)
    admin = _actors(factory, "admin")[0]
    with unit_of_work(factory, admin) as session:
        plan = plan_rollover(session, admin, on=summer)

    def write(session: Session, _seen: Any) -> Any:
        return apply_rollover(session, session.info["actor"], plan=plan, on=summer, now=utcnow())

    return None, [(a, _nothing, write) for a in (admin, admin)]


def _rolled_over_once(factory, _world, results):
    _refused(results, "уже закрыт")
    assert _count(factory, select(func.count(SchoolYear.id))) == 2
    assert _count(factory, select(func.count(SchoolYear.id)).where(SchoolYear.is_current)) == 1
    return "один новый год, второму — «уже закрыт»"


def _whole_class_twice(factory):
    school = _journal_school(factory)
    with unit_of_work(factory, SYSTEM) as session:  # a new class, its group not made yet
        year = session.scalar(select(SchoolYear))
        assert year is not None
        new = SchoolClass(school_year_id=year.id, grade=9, letter="В")
        pupil = Student(last_name="Новикова", first_name="Вера")
        session.add_all([new, pupil])
        session.flush()
        session.add(Enrolment(student_id=pupil.id, class_id=new.id, starts_on=year.starts_on))
        session.flush()
        school_class = new.id

    def write(session: Session, _seen: Any) -> int:
        found = session.get(SchoolClass, school_class)
        assert found is not None
        return whole_class_group(session, found).id

    return (school, school_class), [(a, _nothing, write) for a in _actors(factory, "ct_a", "ct_a")]


def _one_whole_class_group(factory, world, results):
    _no_errors(results)
    _, school_class = world
    assert results[0] == results[1], results  # the second found the first's group
    with factory() as session:
        groups = session.scalars(select(StudyGroup).where(
            StudyGroup.class_id == school_class, StudyGroup.kind == GroupKind.WHOLE_CLASS
        )).all()
        assert len(groups) == 1
        members = session.scalar(select(func.count(GroupMembership.id)).where(
            GroupMembership.group_id == groups[0].id
        ))
    assert members == 1
    return "одна группа «весь класс», второй вызов её нашёл"


def _stream_writer(school: JournalSchool, name: str):
    def write(session: Session, _seen: Any) -> int:
        return create_stream(
            session, session.info["actor"], name=name, subject_id=school.math,
            teacher_id=school.teacher_a_staff, hours_per_week=2.0,
            student_ids=[school.two.student_a, school.two.student_b], on=SCHOOL_DAY,
        ).id

    return write


def _stream_twice(factory):
    school = _journal_school(factory)
    deputies = _actors(factory, "zavuch", "zavuch")
    names = ("Поток 7-8: математика", "поток 7-8: Математика")  # alike but for the case
    return school, [(d, _nothing, _stream_writer(school, n))
                    for d, n in zip(deputies, names, strict=True)]


def _streams(factory) -> int:
    return _count(factory, select(func.count(StudyGroup.id)).where(
        StudyGroup.kind == GroupKind.STREAM
    ))


def _one_stream(factory, school, results):
    _refused(results, "уже есть в этом учебном году")
    assert _streams(factory) == 1
    return "один поток, второму — «уже есть»"


def _delete_stream_twice(factory):
    school = _journal_school(factory)
    deputy = _actors(factory, "zavuch")[0]
    with unit_of_work(factory, deputy) as session:
        stream = _stream_writer(school, "Поток 7-8")(session, None)

    def write(session: Session, _seen: Any) -> None:
        delete_stream(session, session.info["actor"], group_id=stream)

    return school, [(a, _nothing, write) for a in _actors(factory, "zavuch", "zavuch")]


def _deleted_stream_once(factory, school, results):
    _refused(results, "Поток не найден")
    assert _streams(factory) == 0
    return "удалён один раз, второму — «не найден»"


def _add_lesson_twice(factory):
    school = _journal_school(factory)

    def write(session: Session, _seen: Any) -> int:
        return add_lesson(
            session, session.info["actor"], group_id=school.two.group_a,
            subject_id=school.math, on=SCHOOL_DAY, number=5, topic="Повторение",
        ).id

    return school, [(a, _nothing, write) for a in _actors(factory, "teacher_a", "teacher_a")]


def _one_lesson(factory, school, results):
    _refused(results, "уже есть 5-й урок")
    assert _count(factory, select(func.count(Lesson.id)).where(
        Lesson.group_id == school.two.group_a, Lesson.lesson_date == SCHOOL_DAY,
        Lesson.number == 5,
    )) == 1
    return "один урок, второму — «уже есть 5-й урок»"


def _plan_test_twice(factory):
    school = _journal_school(factory)

    def plan(title: str):
        def write(session: Session, _seen: Any) -> int:
            return plan_test(
                session, session.info["actor"], group_id=school.two.group_a,
                subject_id=school.math, on=SCHOOL_DAY, title=title,
            ).id

        return write

    teachers = _actors(factory, "teacher_a", "teacher_a")
    titles = ("Дроби", "Уравнения")
    return school, [(t, _nothing, plan(n)) for t, n in zip(teachers, titles, strict=True)]


def _one_test_a_day(factory, school, results):
    _refused(results, "уже есть контрольная работа")
    assert _count(factory, select(func.count(PlannedTest.id)).where(
        PlannedTest.group_id == school.two.group_a, PlannedTest.planned_on == SCHOOL_DAY
    )) == 1
    return "одна контрольная, второму — вопрос о второй за день"



# ---------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Case:
    """Two sessions call `service` at once; `check` asserts a serial outcome and describes it."""

    service: str
    build: Callable[[sessionmaker[Session]], tuple[Any, list[Writer]]]
    check: Callable[[sessionmaker[Session], Any, list[Any]], str]


CASES: dict[str, Case] = {
    "consent: «отозвано» twice": Case(
        "klassruk.services.consent.recording.record_consent", _withdraw_twice, _withdrawn_once
    ),
    "consent: two corrections of one entry": Case(
        "klassruk.services.consent.recording.record_consent", _correct_twice, _corrected_once
    ),
    "move_family_to_paper twice": Case(
        "klassruk.services.consent.paper_route.move_family_to_paper", _paper_twice, _paper_once
    ),
    "acknowledge_week twice": Case(
        "klassruk.services.acknowledgements.ledger.acknowledge_week", _ack_week_twice,
        _acknowledged_once,
    ),
    "acknowledge_item twice": Case(
        "klassruk.services.acknowledgements.ledger.acknowledge_item", _ack_item_twice,
        _acknowledged_once,
    ),
    "extracts.mark_returned twice": Case(
        "klassruk.services.extracts.register.mark_returned", _return_twice, _returned_once
    ),
    "extracts.set_schedule, first one twice": Case(
        "klassruk.services.extracts.schedule.set_schedule", _schedule_twice, _scheduled_once
    ),
    "issue_credentials, whole class twice": Case(
        "klassruk.services.credentials.issuing.issue_credentials", _issue_twice, _issued_once
    ),
    "issue_credentials, two «заново всем» answers": Case(
        "klassruk.services.credentials.issuing.issue_credentials", _replace_twice, _replaced_once
    ),
    "roster apply_import, same file twice": Case(
        "klassruk.services.roster.applying.apply_import", _import_twice, _imported_once
    ),
    "report_compromise twice": Case(
        "klassruk.services.incidents.reports.report_compromise", _report_twice, _reported_once
    ),
    "void_operations twice": Case(
        "klassruk.services.incidents.voiding.void_operations", _void_twice, _voided_once
    ),
    "void_operations while a teacher edits the grade": Case(
        "klassruk.services.incidents.voiding.void_operations", _void_while_editing, _void_or_edit
    ),
    "decide_conflict twice": Case(
        "klassruk.services.incidents.voiding.decide_conflict", _decide_twice, _decided_once
    ),
    "close_incident twice": Case(
        "klassruk.services.incidents.closing.close_incident", _close_twice, _closed_once
    ),
    "set_account_blocked, block twice": Case(
        "klassruk.services.accounts.blocking.set_account_blocked", _block_twice, _blocked_once
    ),
    "set_account_blocked, unblock while reported": Case(
        "klassruk.services.accounts.blocking.set_account_blocked", _unblock_while_reported,
        _blocked_with_its_incident,
    ),
    "user_admin.set_roles twice": Case(
        "klassruk.services.user_admin.set_roles", _roles_twice, _roles_once
    ),
    "set_roles: two admins unseat each other": Case(
        "klassruk.services.user_admin.set_roles", _admins_unseat_each_other, _one_admin_left
    ),
    "end_guardian_link twice": Case(
        "klassruk.services.family_links.end_guardian_link", _end_link_twice, _ended_once
    ),
    "authenticate: two wrong passwords on one account": Case(
        "klassruk.services.accounts.login.authenticate", _wrong_password_twice,
        _both_failures_counted,
    ),
    "credentials.block_accounts twice": Case(
        "klassruk.services.credentials.blocking.block_accounts", _block_class_accounts_twice,
        _class_accounts_blocked_once,
    ),
    "alert_on_spraying: two guesses reach the threshold": Case(
        "klassruk.services.throttling.alert_on_spraying", _spray_alert_twice, _alerted_once
    ),
    "second factor: two windows enrol at once": Case(
        "klassruk.services.second_factor.start_enrolment", _enrol_twice, _enrolled_once
    ),
    "second factor: two started enrolments confirmed at once": Case(
        "klassruk.services.second_factor.confirm_enrolment", _confirm_twice, _enrolled_once
    ),
    "school_settings.set_setting: a new setting twice": Case(
        "klassruk.services.school_settings.set_setting", _address_twice, _address_set_once
    ),
    "calendar.delete_holiday twice": Case(
        "klassruk.services.calendar.delete_holiday", _holiday_twice, _deleted_once
    ),
    "timetable add_slot: one group's hour twice": Case(
        "klassruk.services.timetable.slots.add_slot", _slot_twice, _one_slot
    ),
    "timetable add_slot: one teacher in two groups at one hour": Case(
        "klassruk.services.timetable.slots.add_slot", _teacher_in_two_groups, _one_slot
    ),
    "timetable delete_slot twice": Case(
        "klassruk.services.timetable.slots.delete_slot", _delete_slot_twice, _slot_deleted_once
    ),
    "timetable import_slots, same file twice": Case(
        "klassruk.services.timetable.slot_import.import_slots", _import_slots_twice,
        _slots_imported_once,
    ),
    "timetable import_slots, one teacher's hour in two files": Case(
        "klassruk.services.timetable.slot_import.import_slots", _import_one_teacher_twice,
        _teacher_imported_once,
    ),
    "timetable generate_lessons, same weeks twice": Case(
        "klassruk.services.timetable.generation.generate_lessons", _generate_twice,
        _generated_once,
    ),
    "extracts print_extracts, the paper list twice": Case(
        "klassruk.services.extracts.printing.print_extracts", _print_twice, _printed_in_turn
    ),
    "teaching_load save_teaching_load, same rows twice": Case(
        "klassruk.services.teaching_load.saving.save_teaching_load", _save_load_twice,
        _load_saved_once,
    ),
    "school_year.apply_rollover twice": Case(
        "klassruk.services.school_year.rollover.apply_rollover", _rollover_twice,
        _rolled_over_once,
    ),
    "teaching_load.add_subject twice": Case(
        "klassruk.services.teaching_load.subjects.add_subject", _subject_twice, _subject_once
    ),
    "groups.queries.whole_class_group, first use twice": Case(
        "klassruk.services.groups.queries.whole_class_group", _whole_class_twice,
        _one_whole_class_group,
    ),
    "groups.streams.create_stream, names alike": Case(
        "klassruk.services.groups.streams.create_stream", _stream_twice, _one_stream
    ),
    "groups.streams.delete_stream twice": Case(
        "klassruk.services.groups.streams.delete_stream", _delete_stream_twice,
        _deleted_stream_once,
    ),
    "journal.lessons.add_lesson, same number twice": Case(
        "klassruk.services.journal.lessons.add_lesson", _add_lesson_twice, _one_lesson
    ),
    "journal.lessons.plan_test, same day twice": Case(
        "klassruk.services.journal.lessons.plan_test", _plan_test_twice, _one_test_a_day
    ),
}


@pytest.fixture(scope="module")
def table(request: pytest.FixtureRequest) -> Iterator[list[tuple[str, str, str]]]:
    """Collects (case, database, result) and prints them as a table when the module ends."""
    rows: list[tuple[str, str, str]] = []
    yield rows
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not rows:
        return
    header = "service (two sessions at once)"
    width = max(len(header), *(len(case) for case, _, _ in rows))
    with capture.global_and_fixture_disabled():  # printed even without -s
        reporter.write_line("")
        reporter.write_line(f"{header:<{width}} | database   | result")
        for case, database, result in rows:
            reporter.write_line(f"{case:<{width}} | {database:<10} | {result}")


@pytest.mark.parametrize("name", list(CASES))
def test_two_sessions_at_once_give_a_serial_outcome(factory, table, name):
    case = CASES[name]
    database = factory.kw["bind"].dialect.name
    world, writers = case.build(factory)
    results = run_together(factory, writers, hold_s=HOLD_S)
    try:
        outcome = case.check(factory, world, results)
    except AssertionError:
        table.append((name, database, f"FAIL: {[type(r).__name__ for r in results]}"))
        raise
    table.append((name, database, f"ok: {outcome}"))


# ---------------------------------------------------------------- the registry


def _import_every_service() -> None:
    for module in pkgutil.walk_packages(klassruk.services.__path__, "klassruk.services."):
        importlib.import_module(module.name)


def test_every_registered_service_has_a_case():
    _import_every_service()
    covered = {case.service for case in CASES.values()}
    assert set(READ_MODIFY_WRITE) - covered == set(), "registered without a concurrency case"
    assert covered - set(READ_MODIFY_WRITE) == set(), "a case for a service not registered"


# A public service that reads the database and writes (adds, deletes, flushes or sets an
# attribute), itself or through its module's private helpers, is a read-modify-write suspect.
READS = {"scalar", "scalars", "get", "get_or_404", "execute"}
WRITES = {"add", "add_all", "delete", "flush"}
GUARDS = {
    "lock_rows", "lock_or_404", "lock_name", "insert_unique", "refuse_duplicate", "with_for_update"
}

# Suspects that are not registered, each with why (reviewed for issue 23). A new suspect must
# be registered (and get a case above) or be added here with its reason.
ROW_LOCKED_AND_TESTED_ELSEWHERE = "row locks; two-session tests in test_journal_concurrency.py"
ACCOUNT_LOCKED = "the account row locked in user_admin._target, as for set_roles (its case)"
NOT_REGISTERED: dict[str, str] = {
    "journal.grades.add_grade": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "journal.grades.change_grade": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "journal.grades.delete_grade": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "journal.grades.set_absence": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "journal.lessons.save_lessons": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "journal.period_grades.set_period_grades": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "journal.saving.save_grid": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "timetable.changes.substitute_teacher": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "timetable.changes.move_lesson": ROW_LOCKED_AND_TESTED_ELSEWHERE,
    "timetable.changes.cancel_lesson": "the lesson row locked (lock_rows) before its status "
    "is checked",
    "school_year.closing.block_due_leavers": (
        "the closed years locked (done once each, stamped), then the accounts before their status"
    ),
    "groups.splits.create_splits": "the class row locked (locked_class); test_splits.py",
    "groups.splits.update_group": "the class row locked (locked_class)",
    "groups.individual_plans.create_individual_plan": "the class row locked (locked_class)",
    "groups.moves.move_student": "the class row locked (locked_class); test_moves.py",
    "second_factor.verify_second_factor": "the account row read FOR UPDATE",
    "credentials.codes.activate_with_code": "its caller (authenticate) locks the account row",
    "groups.queries.locked_class": "a lock helper: its callers are the services",
    "credentials.issuing.locked_class_for_codes": "a lock helper: its callers are the services",
    "accounts.login.locked_account": "a lock helper: its callers are the services",
    "incidents.records.managed_incident": "a lock helper: its callers are the services",
    "acknowledgements.ledger.record_once":
        "insert_unique under uq_acknowledgement_*: the twin wins",
    "user_admin.lift_lockout": ACCOUNT_LOCKED,
    "user_admin.reissue_code": ACCOUNT_LOCKED,
    "user_admin.reset_second_factor": ACCOUNT_LOCKED,
    "accounts.passwords.apply_password_change": "the account row locked before its hash is "
    "compared; test_a_checked_change_is_refused_if_the_password_changed_meanwhile",
    "second_factor.clear_second_factor": "blind write on an account its callers have locked",
    "restore.undo_operation": "internal to voiding: runs under the incident's and rows' locks",
    "notices.mark_notice_read": "blind write of a read time: any order is serial",
    "teaching_load.class_teachers.set_class_teacher": "blind write of one column: the last "
    "appointment wins",
    "teaching_load.class_teachers.set_without_marks": "blind write of one flag: the last one wins",
    "extracts.register.mark_handed": "blind write of one date: the last one wins",
    "calendar.holiday_dates": "reads only (the write is a Python set's add)",
    "cabinet.record.grades_of_period": "reads only (the write is a Python set's add)",
    "roster.planning.plan_import": "reads only; apply_import plans it again under its lock",
    # Found by this check and NOT reviewed in issue 23's round: candidates for the next one.
    "journal.recommendations.add_recommendation": "insert only: two calls are two rows serially",
    # Added after issue 23's round by the notifications, reports, tests and splits work.
    "notifications.sender.lease": "UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED); "
    "two sender processes tested in tests/core/services/notifications",
    "notifications.sender.record_outcome": "conditional on the lease owner (rowcount)",
    "notifications.sender.run_pass": "its steps lease their rows (SKIP LOCKED)",
    "notifications.outbox.expand_events": "events read FOR UPDATE SKIP LOCKED, marked in one go",
    "notifications.digests.compose_due": "items read FOR UPDATE SKIP LOCKED",
    "notifications.links.use_link": "a conditional UPDATE claims the link (rowcount); tested",
    "notifications.contacts.request_verification": "the contact row read FOR UPDATE",
    "notifications.contacts.confirm_contact": "the contact row read FOR UPDATE",
    "notifications.preferences.save_preferences": "the account row locked before the read",
    "notifications.messages.send_message": "insert only: two sends are two messages",
    "reports.sending.send_analytical_report": "insert only: two sends are two reports",
    "reports.sending.send_to_all_classes": "insert only: two sends are two reports each",
    "reports.activity.activity_report": "reads; the write is the data-access log (insert only)",
    "audit_trail.audit_names": "reads only",
    "groups.merges.merge_split": "the class row locked (locked_class)",
    "groups.schedule.carry_schedule": "internal to splits and merges, under the class's lock",
    "journal.lessons.change_test": "the test row locked (lock_rows) before it is compared",
    "journal.lessons.cancel_test": "the test row locked (lock_rows) before it is compared",
}


def _called(node: ast.AST) -> set[str]:
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            func = child.func
            if isinstance(func, ast.Attribute):
                names.add(func.attr)
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def _sets_attribute(node: ast.AST) -> bool:
    for child in ast.walk(node):
        targets = (
            child.targets if isinstance(child, ast.Assign)
            else [child.target] if isinstance(child, ast.AugAssign) else []
        )
        if any(isinstance(target, ast.Attribute) for target in targets):
            return True
    return False


def _suspects() -> set[str]:
    """Public services that read and write, through their module's private helpers too."""
    found = set()
    for path in sorted(SERVICES.rglob("*.py")):
        if path.name == "locking.py":  # the mechanism itself
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}

        def reach(name: str, seen: set[str], functions=functions) -> tuple[set[str], bool]:
            called, sets = _called(functions[name]), _sets_attribute(functions[name])
            for helper in called - seen:
                if helper.startswith("_") and helper in functions:
                    seen.add(helper)
                    more, more_sets = reach(helper, seen)
                    called, sets = called | more, sets or more_sets
            return called, sets

        module = ".".join(path.relative_to(SERVICES).with_suffix("").parts)
        for name in functions:
            if name.startswith("_"):
                continue
            called, sets = reach(name, {name})
            reads, writes = called & READS, bool(called & WRITES) or sets
            if called & GUARDS or (reads and writes):
                found.add(f"{module}.{name}")
    return found


def test_every_read_modify_write_suspect_is_registered_or_explained():
    _import_every_service()
    registered = {name.removeprefix("klassruk.services.") for name in READ_MODIFY_WRITE}
    unexplained = _suspects() - registered - set(NOT_REGISTERED)
    assert unexplained == set(), "register with @read_modify_write or explain in NOT_REGISTERED"
    stale = set(NOT_REGISTERED) - _suspects()
    assert stale == set(), "explained but no longer a suspect: remove from NOT_REGISTERED"
