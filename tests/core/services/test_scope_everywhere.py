"""Every public service that takes an object id refuses every scoped role outside its scope.

Services are found by introspection of klassruk.services: a new public function joins this test
by existing. Its parameters get values from the tables below; a parameter nobody has seen yet
fails the test until it gets one, so nothing is skipped silently. The admin and the deputy head
are school-wide for the actions they hold: no object is outside their scope (what they lack is
an action, which `require` refuses and test_permissions.py covers).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import klassruk.services
from klassruk.access.permissions import Action, Role
from klassruk.errors import DomainError, NotFound, PermissionDenied
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models import Base
from klassruk.models.consent import ConsentState, ConsentSubject
from klassruk.models.extracts import ExtractFrequency, PaperExtract
from klassruk.models.journal import Grade, GradeKind, Lesson, PlannedTest, TimetableSlot
from klassruk.models.notifications import ClassMessage, ClassMessageRecipient, MessageAudience
from klassruk.models.school import Guardian, Holiday, ReportingPeriod, Staff, Subject
from klassruk.services.consent.recording import ConsentFact
from klassruk.services.credentials.people import PersonKind, PersonRef
from klassruk.services.roster.templates import template_csv
from tests.conftest import SYSTEM, TEST_DATABASE_URL, reset_postgres_schema
from tests.factories import actor_of, build_two_classes, make_account
from tests.schools.scope_world import Probe, build_scope_world, fingerprint

ON = date(2026, 11, 20)
# Ids of things that belong to a class, a group or a family; the subject, the staff member and
# the period are school-wide references (an object outside anyone's scope has one of these).
SCOPED_IDS = frozenset({
    "class_id", "group_id", "to_group_id", "student_id", "student_ids", "lesson_id",
    "lesson_ids", "grade_id", "people", "holiday_id", "slot_id", "period_id", "guardian_id",
    "scan_id", "extract_id", "test_id", "message_id",
})
# Services that reach a person by another handle than an id (a login typed by the user).
ALSO_SCOPED = frozenset({"incidents.reports.report_compromise"})
# Public helpers without an actor: only called after the caller has checked the scope.
HELPERS_WITHOUT_ACTOR = frozenset({
    "cabinet.weeks.week_content", "cabinet.weeks.week_contents",
    "cabinet.common.attendance_of", "cabinet.common.attendances_of",
    "cabinet.common.in_students_lessons", "cabinet.common.students_lessons_parameters",
    "cabinet.lessons.lessons_of_students", "cabinet.lessons.student_lessons",
    "cabinet.lessons.student_tests", "cabinet.record.recommendations_query",
    "acknowledgements.state.candidate_items", "acknowledgements.state.latest_per_item",
    "acknowledgements.state.latest_signature", "acknowledgements.state.period_grade_candidates",
    "acknowledgements.state.recommendation_candidates",
    "calendar.get_period", "credentials.people.class_people",
    "roster.people.class_people", "roster.people.class_students", "roster.people.enrolled_query",
    "scope.links.families_of_class_query", "extracts.content.load_journal",
    "delivery.delivery_route",
    "delivery.latest_entries", "delivery.may_notify", "delivery.student_route",
    "groups.moves.active_split_membership", "groups.moves.require_enrolled",
    "groups.queries.class_or_404", "groups.queries.enrolled_students",
    "groups.queries.exempt_students", "groups.queries.group_of_student_on",
    "groups.queries.locked_class", "credentials.issuing.locked_class_for_codes",
    "groups.queries.subgroup_or_404", "journal.grid.build_grid",
    "journal.members.is_in_lesson", "journal.members.roster_intervals",
    "scope.classes.group_class_id", "scope.journals.class_reach",
    "timetable.slots.class_timetable", "timetable.queries.lesson_changes",
    "timetable.slots.load_options",
    "cabinet.lessons.first_school_day", "cabinet.lessons.last_school_day",
    "journal.common.require_marks_allowed",
    # Events carry what a service that checked the scope changed; the sender decides who hears.
    "notifications.events.absence_events", "notifications.events.grade_events",
    "notifications.events.period_grade_event", "notifications.events.recommendation_event",
    "notifications.events.test_event", "notifications.gating.reachable",
    "notifications.tracking.mark_printed", "notifications.tracking.paper_messages",
    "notifications.inbox.record_message_acknowledgement",
})
# The scoped actors (logins of build_two_classes, two half-configured accounts, three edge
# families) and the action each one holds, for services that ask which action to check.
ACTORS: dict[str, Action] = {
    "ct_a": Action.VIEW_CLASS,
    "teacher_a": Action.EDIT_JOURNAL,
    "parent_a": Action.VIEW_CHILD,
    "pupil_a": Action.VIEW_SELF,
    "ct_nolink": Action.VIEW_CLASS,
    "teacher_nolink": Action.EDIT_JOURNAL,
    # Families of 7А at the edge (tests/schools/scope_world.py): no more than parent_a in 8Б.
    "parent_ended": Action.VIEW_CHILD,
    "parent_blocked": Action.VIEW_CHILD,
    "parent_paper": Action.VIEW_CHILD,
    "parent_today": Action.VIEW_CHILD,
    # Last year's class teacher of Орлов (7А now): holds no class of this year.
    "ct_old": Action.VIEW_CLASS,
}


def _has_scoped_id(function: Callable[..., Any]) -> bool:
    return bool(SCOPED_IDS & set(inspect.signature(function).parameters))


def _public_services() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for info in pkgutil.walk_packages(klassruk.services.__path__, "klassruk.services."):
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            found.append((f"{info.name.removeprefix('klassruk.services.')}.{name}", function))
    return sorted(found, key=lambda item: item[0])


# Take an actor and an id but check no scope, by design (each says what does instead).
NOT_SCOPE_CHECKS = {
    "delivery.require_electronic_access": "the consent gate after the scope check; staff pass",
    "activity.record_family_event": "logs the screen a cabinet service already served",
    "data_access.record_access": "logs what a page showed after its own check; never refuses",
    "scope.journals.keeps_journal": "a yes/no answer the journal checks build on; never refuses",
    "scope.journals.may_write_journal": "a yes/no answer for showing edit widgets; never refuses",
    "scope.journals.substitute_lessons": "the lessons the actor covered, empty outside scope",
}
SERVICES = [
    (name, function)
    for name, function in _public_services()
    if (_has_scoped_id(function) or name in ALSO_SCOPED)
    and "actor" in inspect.signature(function).parameters
    and name not in NOT_SCOPE_CHECKS
]


def test_every_public_service_with_an_object_id_takes_an_actor():
    without = {
        name for name, function in _public_services()
        if _has_scoped_id(function) and "actor" not in inspect.signature(function).parameters
    }
    assert without == HELPERS_WITHOUT_ACTOR


@dataclass(frozen=True)
class Foreign:
    """Objects of 8Б, outside the scope of every actor in ACTORS; the edge families' probes."""

    ids: dict[str, Any]
    period: ReportingPeriod
    probes: list[Probe]


def _build(session: Session) -> Foreign:
    school = build_two_classes(session)
    math = session.scalar(select(Subject))
    father_b = session.scalar(select(Guardian.id).where(Guardian.last_name == "Зайцев"))
    other = session.scalar(select(Staff).where(Staff.last_name == "Ct_B"))
    assert math is not None and other is not None
    period = ReportingPeriod(school_year_id=1, name="2 четверть", starts_on=date(2026, 11, 1),
                             ends_on=date(2026, 12, 28))
    holiday = Holiday(school_year_id=1, name="Каникулы", starts_on=date(2026, 12, 29),
                      ends_on=date(2027, 1, 8))
    slot = TimetableSlot(school_year_id=1, group_id=school.group_b, subject_id=math.id,
                         staff_id=other.id, weekday=1, lesson_number=1)
    lesson = Lesson(group_id=school.group_b, subject_id=math.id, staff_id=other.id,
                    lesson_date=ON, number=1)
    session.add_all([period, holiday, slot, lesson])
    session.flush()
    grade = Grade(lesson_id=lesson.id, student_id=school.student_b, value=4,
                  kind=GradeKind.CLASSWORK, weight=1.0, created_by="ct_b")
    test = PlannedTest(group_id=school.group_b, subject_id=math.id, planned_on=ON,
                       title="Контрольная работа", created_by="ct_b")
    session.add_all([grade, test])
    make_account(session, "ct_nolink", {Role.CLASS_TEACHER})
    make_account(session, "teacher_nolink", {Role.TEACHER})
    make_account(session, "parent_b", {Role.GUARDIAN}, guardian_id=father_b)
    extract = PaperExtract(class_id=school.class_b, student_id=school.student_b,
                           guardian_id=father_b, date_from=ON, date_to=ON, printed_by="ct_b",
                           covered={"ledger": {"weeks": {}, "items": []}}, digest="0" * 64)
    message = ClassMessage(author_name="Ct_B", audience=MessageAudience.CLASS,
                           class_id=school.class_b, title="Собрание", body="В пятницу",
                           asks_acknowledgement=True)
    session.add_all([extract, message])
    session.flush()
    session.add(ClassMessageRecipient(message_id=message.id, guardian_id=father_b,
                                      student_id=school.student_b, paper=False))
    session.flush()
    probes = build_scope_world(session, school, period)
    ids = {
        "class_id": school.class_b, "group_id": school.group_b, "to_group_id": school.group_b,
        "student_id": school.student_b, "student_ids": [school.student_b],
        "lesson_id": lesson.id, "lesson_ids": [lesson.id], "grade_id": grade.id,
        "people": [PersonRef(PersonKind.STUDENT, school.student_b)],
        "holiday_id": holiday.id, "slot_id": slot.id, "period_id": period.id,
        "guardian_id": father_b, "scan_id": 1, "extract_id": extract.id, "login": "parent_b",
        "test_id": test.id, "message_id": message.id,
        "fact": ConsentFact(ConsentSubject.CHILD, ConsentState.GIVEN, ON, "1",
                            guardian_id=father_b, student_id=school.student_b),
        "subject_id": math.id, "staff_id": other.id, "teacher_id": other.id,
    }
    return Foreign(ids, period, probes)


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sessionmaker[Session], Foreign]]:
    """One school for all the calls (each call's writes are rolled back)."""
    if TEST_DATABASE_URL:
        reset_postgres_schema(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('scope') / 'scope.sqlite3'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory, SYSTEM) as session:
        foreign = _build(session)
    yield factory, foreign
    engine.dispose()


# Plausible values for everything else a service asks for: valid, so that only scope refuses.
OTHER_ARGUMENTS: dict[str, Any] = {
    "on": ON, "starts_on": ON, "ends_on": ON + timedelta(days=7), "new_date": ON + timedelta(1),
    "now": datetime(2026, 11, 20, 9, tzinfo=UTC), "value": 5, "kind": GradeKind.CLASSWORK,
    "weight": 1.0, "reason": "Проверка доступа", "text": "Повторить параграф 5", "mark": None,
    "name": "Группа 1", "closed": True, "hours_per_week": 2, "number": 2, "new_number": 3,
    "topic": "Дроби", "title": "Контрольная работа", "room": "101", "weekday": 2,
    "lesson_number": 3, "not_activated_days": None, "valid_days": 30, "progress": None,
    "subjects": [], "plans": [], "groups_count": 2, "method": "alphabet", "cells": {},
    "values": {}, "updates": [], "rows": [], "content": template_csv(), "filename": "x.csv",
    "login": "novyi.login", "display_name": "Новый Пользователь", "roles": {Role.GUARDIAN},
    "edits": {}, "expected": {}, "frequency": ExtractFrequency.WEEKLY,
    "week_start": ON, "digest": "0" * 64, "since": datetime(2026, 11, 1, tzinfo=UTC),
    "timezone": "Europe/Moscow", "without_marks": True,
    "item_id": 1, "snapshot": {"weeks": {}, "items": []},
    "discovered_at": datetime(2026, 11, 20, 8, tzinfo=UTC), "how_discovered": "Чужой вход",
    "handed_on": ON, "returned_on": ON,
    "week_digest": "0" * 64, "items": [], "expected_on": ON,
    "expected_title": "Контрольная работа", "form_number": "З-1", "signed_on": ON,
}


def _arguments(
    function: Callable[..., Any], foreign: Foreign, action: Action,
    ids: dict[str, Any] | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    ids = foreign.ids if ids is None else ids
    for name, parameter in inspect.signature(function).parameters.items():
        if name in ("session", "actor"):
            continue
        if name in ids:
            values[name] = ids[name]
        elif name == "action":
            values[name] = action
        elif name == "period":
            values[name] = foreign.period
        elif name in OTHER_ARGUMENTS:
            values[name] = OTHER_ARGUMENTS[name]
        elif parameter.default is inspect.Parameter.empty:
            raise AssertionError(f"give parameter «{name}» a value in OTHER_ARGUMENTS")
    return values


CASES = [
    pytest.param(name, function, login, id=f"{name}-{login}")
    for name, function in SERVICES
    for login in ACTORS
]


@pytest.mark.parametrize(("name", "function", "login"), CASES)
def test_service_refuses_an_object_outside_the_actors_scope(
    built: tuple[sessionmaker[Session], Foreign],
    name: str,
    function: Callable[..., Any],
    login: str,
):
    factory, foreign = built
    with factory() as session:
        actor = actor_of(session, login)
        session.info["actor"] = actor
        arguments = _arguments(function, foreign, ACTORS[login])
        try:
            result = function(session, actor, **arguments)
        except (PermissionDenied, NotFound):
            return
        finally:
            session.rollback()
    # A yes/no question is answered «no»; anything else returned is a leak.
    assert result is False, f"{name} served {login}: {result!r}"


def test_the_scope_test_covers_the_services_it_must():
    names = {name for name, _ in SERVICES}
    assert {"credentials.issuing.issue_credentials", "credentials.blocking.block_accounts",
            "roster.applying.apply_import", "groups.who_teaches.teachers_of_student",
            "journal.grades.change_grade", "cabinet.record.grades_of_period",
            "acknowledgements.ledger.acknowledge_week",
            "consent.paper_route.move_family_to_paper"} <= names
    print(f"scope calls: {len(CASES)} ({len(SERVICES)} services × {len(ACTORS)} actors)")


# ---------------------------------------------------------------- the edges of a scope
# Each probe is one actor facing one family at the edge of its scope (tests/schools/
# scope_world.py): a service that takes a parameter pointing there is called with it, and
# everything else from inside the actor's scope, so only the edge can refuse. It must refuse
# (an error that names nothing of the family) or filter (an answer with none of the family's
# markers, and nothing of the family changed).
PROBE_ACTIONS = {"ct_a": Action.VIEW_CLASS, "ct_old": Action.VIEW_CLASS,
                 "teacher_a": Action.EDIT_JOURNAL}


def _probe_cases(foreign: Foreign) -> list[tuple[str, Callable[..., Any], Probe]]:
    return [
        (name, function, probe)
        for probe in foreign.probes
        for name, function in SERVICES
        if set(probe.closed) & set(inspect.signature(function).parameters)
        or (probe.class_wide and "class_id" in inspect.signature(function).parameters)
    ]


def _outcome(session: Session, name: str, function: Callable[..., Any], probe: Probe,
             foreign: Foreign) -> str:
    actor = actor_of(session, probe.login)
    session.info["actor"] = actor
    action = PROBE_ACTIONS.get(probe.login, Action.VIEW_CHILD)
    arguments = _arguments(function, foreign, action, {**foreign.ids, **probe.open,
                                                       **probe.closed})
    before = fingerprint(session, probe)
    try:
        result = function(session, actor, **arguments)
    except DomainError as refused:
        leaked = [m for m in probe.markers if m in str(refused)]
        return f"allowed: the refusal names {leaked}" if leaked else "refused"
    finally:
        session.flush()
    if fingerprint(session, probe) != before:
        return "allowed: changed the family's records"
    checked = set(probe.closed) & set(inspect.signature(function).parameters)
    if checked and name.rsplit(".", 1)[1].startswith("require_") and name not in probe.passing:
        return "allowed: the check passed"
    if name in probe.period_reads:
        return "rightly served: the pupil was in the class on some days of the period"
    shown = repr(result)
    leaked = [m for m in probe.markers if m in shown]
    return f"allowed: the answer shows {leaked}" if leaked else "filtered"


def test_every_service_refuses_or_filters_at_the_edges_of_the_scope(
    built: tuple[sessionmaker[Session], Foreign],
):
    factory, foreign = built
    outcomes: dict[str, list[str]] = {}
    for name, function, probe in _probe_cases(foreign):
        with factory() as session:
            try:
                outcome = _outcome(session, name, function, probe, foreign)
            finally:
                session.rollback()
        outcomes.setdefault(outcome.split(":")[0], []).append(
            f"{probe.name} × {name}: {outcome}"
        )
    allowed = outcomes.get("allowed", [])
    counts = {kind: len(rows) for kind, rows in outcomes.items()}
    print(f"edge calls: {sum(counts.values())} over {len(foreign.probes)} probes — "
          f"{counts.get('refused', 0)} refused, {counts.get('filtered', 0)} filtered, "
          f"{counts.get('rightly served', 0)} rightly served, {len(allowed)} wrongly allowed")
    assert allowed == [], "\n".join(allowed)
    assert sum(counts.values()) > 200 and counts.get("refused", 0) > 100
