"""Every read-modify-write service, called by two sessions at the same moment, on both databases.

Each case builds its data, runs the same write in two real sessions (own threads, own
connections and transactions, released together by a barrier) and checks that the outcome is
one of the two serial orders: no duplicate, no lost change, the loser told in Russian.
A service joins by `@read_modify_write` in the core; a registered service without a case here
fails `test_every_registered_service_has_a_case`. The run ends with the table of results.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import klassruk.services
from klassruk.clock import utcnow
from klassruk.db import unit_of_work
from klassruk.demo import SMALL, seed_demo_school
from klassruk.demo.credentials import class_of_featured_teacher
from klassruk.errors import DomainError
from klassruk.models import (
    AckChannel,
    Acknowledgement,
    Guardian,
    IncidentItem,
    IncidentStatus,
    ItemOutcome,
    SecurityIncident,
    Student,
)
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.extracts import ExtractFrequency, ExtractSchedule, PaperExtract
from klassruk.models.journal import Grade
from klassruk.permissions import Actor
from klassruk.services import acknowledgements, calendar, consent, extracts, journal, timetable
from klassruk.services.cabinet.common import list_children
from klassruk.services.credentials import IssueResult, RecentCodesFound, issue_credentials
from klassruk.services.incidents import (
    close_incident,
    decide_conflict,
    operations_to_void,
    report_compromise,
    void_operations,
    voided_operations,
)
from klassruk.services.locking import READ_MODIFY_WRITE
from klassruk.services.roster import ImportPreview, apply_import
from tests.concurrency import run_together
from tests.core.services.roster.test_roster import ROWS, _csv_utf8
from tests.core.services.test_credentials_concurrency import _valid_codes
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY
from tests.schools import roster_school
from tests.schools.journal_school import JournalSchool, build_journal_school

Writer = tuple[Actor, Callable[[Session], Any], Callable[[Session, Any], Any]]
SERVICES = Path(klassruk.services.__file__).parent


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
        board = consent.class_consent(session, teacher, class_id=class_id, on=TODAY)
        given = next(
            row for row in board.rows
            if row.subject is ConsentSubject.CHILD and row.state is ConsentState.GIVEN
        )
        child = list_children(session, actor_of(session, "roditel"), on=TODAY)[0].student_id
    return {"class_id": class_id, "given": given, "child": child}


def _consent_writer(demo: dict[str, Any], state: ConsentState, **extra: Any):
    row = demo["given"]

    def write(session: Session, _seen: Any) -> ConsentEntry:
        fact = consent.ConsentFact(
            subject=ConsentSubject.CHILD, state=state, signed_on=TODAY, form_number="ПД-9001",
            guardian_id=row.guardian_id, student_id=row.student_id,
        )
        return consent.record_consent(
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
    write = _consent_writer(demo, ConsentState.WITHDRAWN)
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
        lambda s, a, child: acknowledgements.week_status(
            s, a, student_id=child, week_start=week, on=TODAY
        ).content.digest,
        lambda s, a, child, digest: acknowledgements.acknowledge_week(
            s, a, student_id=child, week_start=week, digest=digest, on=TODAY
        ),
    )


def _ack_item_twice(factory):
    return _ack_twice(
        factory,
        lambda s, a, child: acknowledgements.items_to_acknowledge(
            s, a, student_id=child, on=TODAY
        )[0],
        lambda s, a, child, item: acknowledgements.acknowledge_item(
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
        extracts.mark_returned(
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
    return f"+{demo['slip']} бумажных подтверждения, второму — отказ"


def _schedule_twice(factory):
    demo = _demo(factory)
    demo["class"] = demo["class_id"]
    with unit_of_work(factory, SYSTEM) as session:  # the demo's class starts with no schedule
        session.delete(session.get(ExtractSchedule, demo["class"]))

    def set_to(frequency: ExtractFrequency):
        def write(session: Session, _seen: Any) -> None:
            extracts.set_schedule(
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
        timetable.substitute_teacher(
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


# ---------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Case:
    """Two sessions call `service` at once; `check` asserts a serial outcome and describes it."""

    service: str
    build: Callable[[sessionmaker[Session]], tuple[Any, list[Writer]]]
    check: Callable[[sessionmaker[Session], Any, list[Any]], str]


CASES: dict[str, Case] = {
    "consent: «отозвано» twice": Case(
        "klassruk.services.consent.record_consent", _withdraw_twice, _withdrawn_once
    ),
    "consent: two corrections of one entry": Case(
        "klassruk.services.consent.record_consent", _correct_twice, _corrected_once
    ),
    "acknowledge_week twice": Case(
        "klassruk.services.acknowledgements.acknowledge_week", _ack_week_twice, _acknowledged_once
    ),
    "acknowledge_item twice": Case(
        "klassruk.services.acknowledgements.acknowledge_item", _ack_item_twice, _acknowledged_once
    ),
    "extracts.mark_returned twice": Case(
        "klassruk.services.extracts.mark_returned", _return_twice, _returned_once
    ),
    "extracts.set_schedule, first one twice": Case(
        "klassruk.services.extracts.set_schedule", _schedule_twice, _scheduled_once
    ),
    "issue_credentials, whole class twice": Case(
        "klassruk.services.credentials.issue_credentials", _issue_twice, _issued_once
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
    results = run_together(factory, writers)
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
