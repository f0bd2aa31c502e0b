"""People at the edges of a class teacher's scope, around build_two_classes (issue 22).

Each family here is linked to 7А (ct_a's class) in a way that must NOT open it: a guardian
whose link ended, a pupil who moved to 8Б, a guardian shared with 8Б (whose 8Б child's records
stay closed), a blocked family and a paper-only family (their own child stays closed to
them on screen), and a maths stream across 7А and 8Б. Every record a leak would show carries
a marker: a surname or a form number that must never appear in an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Role
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.consent import ConsentEntry, ConsentScan, ConsentState, ConsentSubject
from klassruk.models.extracts import PaperExtract
from klassruk.models.families import Acknowledgement
from klassruk.models.journal import (
    Absence,
    Grade,
    GradeKind,
    Lesson,
    PeriodGrade,
    Recommendation,
)
from klassruk.models.school import (
    Enrolment,
    GroupKind,
    GroupMembership,
    Guardian,
    GuardianLink,
    Relation,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.consent.recording import ConsentFact
from klassruk.services.credentials.people import PersonKind, PersonRef
from tests.factories import TwoClasses, give_consent, make_account

ON = date(2026, 11, 20)
LINK_ENDED = date(2026, 10, 1)
MOVED_ON = date(2026, 11, 1)
PDF = b"%PDF-1.4 scan"


@dataclass
class Probe:
    """One actor facing one family at the edge of its scope."""

    name: str
    login: str
    # Parameters that point at what must stay closed; a service is probed if it takes one.
    closed: dict[str, Any]
    # Values for everything else: within the actor's scope, so only the edge can refuse.
    open: dict[str, Any]
    markers: tuple[str, ...]
    # What must not change: accounts (by login), consent (guardian, student) pairs, extracts.
    logins: tuple[str, ...] = ()
    pairs: tuple[tuple[int, int | None], ...] = ()
    extracts: tuple[int, ...] = ()
    guardians: tuple[int, ...] = ()
    students: tuple[int, ...] = ()
    # Checks (`require_…`) that rightly pass here: the edge they are probed with is not theirs.
    passing: frozenset[str] = field(default=frozenset())
    # Reads of a whole period that rightly name the pupil: they were in the class on some of
    # its days (that they show those days alone: tests/core/services/class_journal).
    period_reads: frozenset[str] = field(default=frozenset())
    # The family sits at the edge of the actor's class: whatever lists the class is probed too.
    class_wide: bool = False


def _guardian(session: Session, surname: str, *children: int, ends_on: date | None = None
              ) -> int:
    guardian = Guardian(last_name=surname, first_name="Анна", email=f"{surname}@mail.example")
    session.add(guardian)
    session.flush()
    for child in children:
        session.add(GuardianLink(guardian_id=guardian.id, student_id=child,
                                 relation=Relation.MOTHER, ends_on=ends_on))
    session.flush()
    return guardian.id


def _entry_with_scan(session: Session, guardian_id: int, student_id: int, form: str) -> int:
    """A signed form about the child, with its scan: the scan's id."""
    scan = ConsentScan(file_name=f"{form}.pdf", media_type="application/pdf", size=len(PDF),
                       sha256="0" * 64, content=PDF, uploaded_by="тест")
    session.add(scan)
    session.flush()
    session.add(ConsentEntry(subject=ConsentSubject.CHILD, guardian_id=guardian_id,
                             student_id=student_id, state=ConsentState.GIVEN,
                             signed_on=date(2026, 9, 10), form_number=form, scan_id=scan.id,
                             recorded_at=datetime(2026, 9, 10, 9, tzinfo=UTC),
                             recorded_by="ct_a"))
    session.flush()
    return scan.id


def _extract(session: Session, class_id: int, guardian_id: int, student_id: int) -> int:
    extract = PaperExtract(class_id=class_id, student_id=student_id, guardian_id=guardian_id,
                           date_from=date(2026, 9, 7), date_to=date(2026, 9, 12),
                           printed_at=datetime(2026, 9, 14, 9, tzinfo=UTC), printed_by="ct_a",
                           covered={"ledger": {"weeks": {}, "items": []}}, digest="0" * 64)
    session.add(extract)
    session.flush()
    return extract.id


def build_scope_world(session: Session, two: TwoClasses, period: ReportingPeriod) -> list[Probe]:
    """Add the edge families to the two-class school; the probes that test them."""
    year_start = date(2026, 9, 1)
    # A guardian of Орлов (7А) until 01.10: the link ended; the account is still active.
    ended = _guardian(session, "Бывшева", two.student_a, ends_on=LINK_ENDED)
    make_account(session, "parent_ended", {Role.GUARDIAN}, guardian_id=ended)
    give_consent(session, ended, two.student_a)
    ended_scan = _entry_with_scan(session, ended, two.student_a, "Бывшева-1")
    ended_extract = _extract(session, two.class_a, ended, two.student_a)
    # A pupil of 7А until 31.10, in 8Б since 01.11, with his mother.
    moved = Student(last_name="Переходов", first_name="Лев", birth_date=date(2013, 3, 3))
    session.add(moved)
    session.flush()
    session.add_all([
        Enrolment(student_id=moved.id, class_id=two.class_a, starts_on=year_start,
                  ends_on=date(2026, 10, 31)),
        Enrolment(student_id=moved.id, class_id=two.class_b, starts_on=MOVED_ON),
        GroupMembership(group_id=two.group_a, student_id=moved.id, starts_on=year_start,
                        ends_on=date(2026, 10, 31)),
        GroupMembership(group_id=two.group_b, student_id=moved.id, starts_on=MOVED_ON),
    ])
    mother = _guardian(session, "Переходова", moved.id)
    make_account(session, "parent_moved", {Role.GUARDIAN}, guardian_id=mother)
    make_account(session, "pupil_moved", {Role.STUDENT}, student_id=moved.id)
    moved_scan = _entry_with_scan(session, mother, moved.id, "Переходова-1")
    moved_extract = _extract(session, two.class_a, mother, moved.id)
    # A mother of Орлов (7А) and of Зайцева (8Б): her 8Б child's records stay 8Б's.
    shared = _guardian(session, "Общая", two.student_a, two.student_b)
    make_account(session, "parent_shared", {Role.GUARDIAN}, guardian_id=shared)
    give_consent(session, shared, two.student_a)
    shared_scan = _entry_with_scan(session, shared, two.student_b, "Общая-чужой")
    # A blocked family and a paper-only family of Орлов.
    blocked = _guardian(session, "Блокова", two.student_a)
    user = make_account(session, "parent_blocked", {Role.GUARDIAN}, guardian_id=blocked)
    user.status = AccountStatus.BLOCKED
    give_consent(session, blocked, two.student_a)
    paper = _guardian(session, "Бумажная", two.student_a)
    make_account(session, "parent_paper", {Role.GUARDIAN}, guardian_id=paper)
    session.add_all([
        ConsentEntry(subject=ConsentSubject.GUARDIAN_SELF, guardian_id=paper,
                     state=ConsentState.GIVEN, recorded_by="тест"),
        ConsentEntry(subject=ConsentSubject.CHILD, guardian_id=paper, student_id=two.student_a,
                     state=ConsentState.GIVEN, prefers_paper=True, recorded_by="тест"),
    ])
    # A maths stream of Орлов (7А) and Зайцева (8Б), one lesson with both graded.
    math = session.scalar(select(Subject))
    teacher = Staff(last_name="Потокова", first_name="Анна")
    assert math is not None
    session.add(teacher)
    session.flush()
    stream = StudyGroup(school_year_id=period.school_year_id, class_id=None,
                        kind=GroupKind.STREAM, name="7А-8Б: профиль", subject_id=math.id)
    session.add(stream)
    session.flush()
    lesson = Lesson(group_id=stream.id, subject_id=math.id, staff_id=teacher.id,
                    lesson_date=ON, number=5)
    session.add_all([
        TeachingAssignment(staff_id=teacher.id, subject_id=math.id, group_id=stream.id,
                           hours_per_week=1),
        GroupMembership(group_id=stream.id, student_id=two.student_a, starts_on=year_start),
        GroupMembership(group_id=stream.id, student_id=two.student_b, starts_on=year_start),
        lesson,
    ])
    session.flush()
    session.add_all(
        Grade(lesson_id=lesson.id, student_id=student, value=value, kind=GradeKind.CLASSWORK,
              weight=1.0, created_by="potok")
        for student, value in ((two.student_a, 5), (two.student_b, 2))
    )
    session.flush()
    own = {"class_id": two.class_a, "student_id": two.student_a, "group_id": two.group_a,
           "to_group_id": two.group_a, "student_ids": [two.student_a],
           "people": [PersonRef(PersonKind.STUDENT, two.student_a)], "guardian_id": None,
           "extract_id": None, "login": "pupil_a", "subject_id": math.id}
    fact = ConsentFact(ConsentSubject.CHILD, ConsentState.WITHDRAWN, ON, "1")

    def person(kind: PersonKind, id_: int) -> list[PersonRef]:
        return [PersonRef(kind, id_)]

    def family(guardian: int, student: int) -> ConsentFact:
        return ConsentFact(fact.subject, fact.state, ON, "1", guardian_id=guardian,
                           student_id=student)

    class_teacher = [
        Probe("ended link", "ct_a",
              {"guardian_id": ended, "people": person(PersonKind.GUARDIAN, ended),
               "fact": family(ended, two.student_a), "scan_id": ended_scan,
               "extract_id": ended_extract, "login": "parent_ended"},
              own, ("Бывшева",), ("parent_ended",), ((ended, two.student_a), (ended, None)),
              (ended_extract,), (ended,), class_wide=True),
        Probe("moved pupil", "ct_a",
              {"student_id": moved.id, "student_ids": [moved.id],
               "people": person(PersonKind.STUDENT, moved.id) + person(PersonKind.GUARDIAN,
                                                                        mother),
               "guardian_id": mother, "fact": family(mother, moved.id), "scan_id": moved_scan,
               "extract_id": moved_extract, "login": "parent_moved"},
              own, ("Переходов",), ("parent_moved", "pupil_moved"),
              ((mother, moved.id), (mother, None)), (moved_extract,), (mother,), (moved.id,),
              class_wide=True),
        Probe("shared guardian", "ct_a",
              {"people": person(PersonKind.GUARDIAN, shared), "scan_id": shared_scan,
               "fact": family(shared, two.student_b), "login": "parent_shared",
               "guardian_id": shared},
              own, ("Общая-чужой", "Зайцева"), ("parent_shared",), ((shared, two.student_b),),
              (), (shared,), (two.student_b,),
              # Her link to Орлов is 7А's: checks of it pass, what reaches Зайцева does not.
              frozenset({"scope.links.require_family_of_class"}), class_wide=True),
        Probe("stream across classes", "ct_a", {"group_id": stream.id, "to_group_id": stream.id},
              own, ("Зайцева",), students=(two.student_b,),
              # Орлов is in the stream: ct_a reads it, for him only.
              passing=frozenset({"scope.journals.require_journal_reader"})),
    ]
    child = {**own, "student_id": two.student_a}
    families = [
        Probe(f"{name} family", login, {"student_id": two.student_a,
                                         "student_ids": [two.student_a]},
              child, ("Орлов", "Teacher_A", "Потокова"))
        for name, login in (("ended-link", "parent_ended"), ("blocked", "parent_blocked"),
                            ("paper-only", "parent_paper"), ("moved-away", "parent_moved"))
    ]
    # The moved pupil's mother and the pupil himself also reach nothing of 7А's Орлов.
    teacher_of_old_group = Probe(
        "moved pupil, old group's teacher", "teacher_a",
        {"student_id": moved.id, "student_ids": [moved.id]}, own, ("Переходов",),
        students=(moved.id,))
    days = _add_day_edges(session, two, own, child)
    return [*class_teacher, *families, teacher_of_old_group, *days,
            _add_last_years_class(session, two, own)]


def _edge_pupil(
    session: Session, two: TwoClasses, surname: str, spans: list[tuple[int, date, date | None]]
) -> tuple[int, int, int, int]:
    """A pupil in 7А/8Б (and its whole-class group) over `spans`, whose mother has an account,
    a scanned consent and an extract printed by the first class: (pupil, mother, scan, extract).
    """
    pupil = Student(last_name=surname, first_name="Ян", birth_date=date(2013, 4, 4))
    session.add(pupil)
    session.flush()
    groups = {two.class_a: two.group_a, two.class_b: two.group_b}
    for class_id, starts, ends in spans:
        session.add_all([
            Enrolment(student_id=pupil.id, class_id=class_id, starts_on=starts, ends_on=ends),
            GroupMembership(group_id=groups[class_id], student_id=pupil.id, starts_on=starts,
                            ends_on=ends),
        ])
    mother = _guardian(session, f"{surname}а", pupil.id)
    make_account(session, f"parent_{surname}", {Role.GUARDIAN}, guardian_id=mother)
    give_consent(session, mother, pupil.id)
    scan = _entry_with_scan(session, mother, pupil.id, f"{surname}-1")
    extract = _extract(session, spans[0][0], mother, pupil.id)
    return pupil.id, mother, scan, extract


def _add_day_edges(
    session: Session, two: TwoClasses, own: dict[str, Any], child: dict[str, Any]
) -> list[Probe]:
    """Scopes that end or start around the day in question (ON): a link ending on it, a pupil
    who left 7А the day before, a pupil who joins 7А the day after.
    """
    year_start = date(2026, 9, 1)
    ends_today = _guardian(session, "Сегоднева", two.student_a, ends_on=ON)
    make_account(session, "parent_today", {Role.GUARDIAN}, guardian_id=ends_today)
    give_consent(session, ends_today, two.student_a)
    today_scan = _entry_with_scan(session, ends_today, two.student_a, "Сегоднева-1")
    today_extract = _extract(session, two.class_a, ends_today, two.student_a)
    left = _edge_pupil(session, two, "Ушедшев", [(two.class_a, year_start, ON - timedelta(1))])
    joins = _edge_pupil(session, two, "Завтрин", [(two.class_b, year_start, ON),
                                                  (two.class_a, ON + timedelta(1), None)])
    probes = [Probe(
        "link ends today", "ct_a",
        {"guardian_id": ends_today, "people": [PersonRef(PersonKind.GUARDIAN, ends_today)],
         "fact": ConsentFact(ConsentSubject.CHILD, ConsentState.WITHDRAWN, ON, "1",
                             guardian_id=ends_today, student_id=two.student_a),
         "scan_id": today_scan, "extract_id": today_extract, "login": "parent_today"},
        own, ("Сегоднева",), ("parent_today",),
        ((ends_today, two.student_a), (ends_today, None)), (today_extract,), (ends_today,),
        class_wide=True,
    ), Probe("link-ends-today family", "parent_today",
             {"student_id": two.student_a, "student_ids": [two.student_a]},
             child, ("Орлов", "Teacher_A", "Потокова"))]
    period_reads = frozenset({"class_journal.summary.class_summary",
                              "class_journal.card.student_card"})
    for name, surname, (pupil, mother, scan, extract) in (
        ("pupil left yesterday", "Ушедшев", left), ("pupil joins tomorrow", "Завтрин", joins)
    ):
        people = [PersonRef(PersonKind.STUDENT, pupil), PersonRef(PersonKind.GUARDIAN, mother)]
        fact = ConsentFact(ConsentSubject.CHILD, ConsentState.WITHDRAWN, ON, "1",
                           guardian_id=mother, student_id=pupil)
        probes += [
            Probe(name, "ct_a",
                  {"student_id": pupil, "student_ids": [pupil], "people": people,
                   "guardian_id": mother, "fact": fact, "scan_id": scan, "extract_id": extract,
                   "login": f"parent_{surname}"},
                  own, (surname,), (f"parent_{surname}",), ((mother, pupil), (mother, None)),
                  (extract,), (mother,), (pupil,),
                  frozenset({"scope.journals.require_class_card_scope"}), class_wide=True,
                  period_reads=period_reads),
            Probe(f"{name}, the group's teacher", "teacher_a",
                  {"student_id": pupil, "student_ids": [pupil]}, own, (surname,),
                  students=(pupil,)),
        ]
    return probes


def _add_last_years_class(session: Session, two: TwoClasses, own: dict[str, Any]) -> Probe:
    """Last year's 6А with Орлов, whose class teacher has no class this year: 7А is not hers."""
    last_year = SchoolYear(name="2025/2026", starts_on=date(2025, 9, 1),
                           ends_on=date(2026, 5, 31), is_current=False,
                           closed_at=datetime(2026, 8, 31, tzinfo=UTC), closed_by="admin")
    teacher = Staff(last_name="Прошлогодняя", first_name="Вера")
    session.add_all([last_year, teacher])
    session.flush()
    old_class = SchoolClass(school_year_id=last_year.id, grade=6, letter="А",
                            class_teacher_id=teacher.id)
    session.add(old_class)
    session.flush()
    old_group = StudyGroup(school_year_id=last_year.id, class_id=old_class.id,
                           kind=GroupKind.WHOLE_CLASS, name="6А — весь класс")
    session.add(old_group)
    session.flush()
    session.add_all([
        Enrolment(student_id=two.student_a, class_id=old_class.id, starts_on=last_year.starts_on,
                  ends_on=last_year.ends_on),
        GroupMembership(group_id=old_group.id, student_id=two.student_a,
                        starts_on=last_year.starts_on, ends_on=last_year.ends_on),
    ])
    make_account(session, "ct_old", {Role.TEACHER, Role.CLASS_TEACHER}, staff_id=teacher.id)
    mother = session.scalar(select(GuardianLink.guardian_id).where(
        GuardianLink.student_id == two.student_a).order_by(GuardianLink.id))
    assert mother is not None
    return Probe(
        "last year's class teacher", "ct_old",
        {"student_id": two.student_a, "student_ids": [two.student_a],
         "people": [PersonRef(PersonKind.STUDENT, two.student_a),
                    PersonRef(PersonKind.GUARDIAN, mother)],
         "guardian_id": mother, "login": "parent_a",
         "fact": ConsentFact(ConsentSubject.CHILD, ConsentState.WITHDRAWN, ON, "1",
                             guardian_id=mother, student_id=two.student_a)},
        {**own, "class_id": old_class.id, "group_id": old_group.id,
         "to_group_id": old_group.id},
        ("Орлов",), ("parent_a", "pupil_a"), ((mother, two.student_a), (mother, None)),
        guardians=(mother,), students=(two.student_a,), class_wide=True,
    )


def fingerprint(session: Session, probe: Probe) -> tuple[Any, ...]:
    """The state of what a probe must not change: accounts, consent, extracts, contacts."""
    accounts = session.execute(
        select(UserAccount.login, UserAccount.status, UserAccount.password_hash,
               UserAccount.sessions_valid_after, UserAccount.failed_attempts)
        .where(UserAccount.login.in_(probe.logins)).order_by(UserAccount.login)
    ).all()
    consent = [
        session.scalars(select(ConsentEntry.id).where(
            ConsentEntry.guardian_id == guardian,
            ConsentEntry.student_id.is_(None) if student is None
            else ConsentEntry.student_id == student,
        )).all()
        for guardian, student in probe.pairs
    ]
    extracts = session.execute(
        select(PaperExtract.id, PaperExtract.handed_on, PaperExtract.returned_on)
        .where(PaperExtract.id.in_(probe.extracts))
    ).all()
    contacts = session.execute(
        select(Guardian.email, Guardian.phone).where(Guardian.id.in_(probe.guardians))
    ).all()
    signed = [
        session.scalars(select(Acknowledgement.id).where(
            Acknowledgement.guardian_id == guardian, Acknowledgement.student_id == student
        )).all()
        for guardian, student in probe.pairs if student is not None
    ]
    journal = [
        session.scalars(select(table.id).where(table.student_id.in_(probe.students))).all()
        for table in (Grade, Absence, Recommendation, PeriodGrade, GroupMembership, Enrolment)
    ]
    return (accounts, consent, extracts, contacts, signed, journal)
