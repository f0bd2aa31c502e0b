"""A deterministic filled journal for whatever school the demo created (small to large)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.demo.catalogue import SEEDER, lesson_end, seeded_moment, seeding_moment
from klassruk.errors import DomainError
from klassruk.models.journal import (
    GRADE_KIND_WEIGHTS,
    Absence,
    AbsenceMark,
    Grade,
    GradeChange,
    GradeKind,
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
    PeriodGrade,
    PlannedTest,
    TimetableSlot,
)
from klassruk.models.school import (
    GroupKind,
    GroupMembership,
    SchoolClass,
    SchoolYear,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services import calendar
from klassruk.services.calendar import find_current_year

BATCH = 20_000
DAYS = (1, 2, 3, 4, 5)
# A school day has lessons 1…8; streams of several classes take the last ones.
LESSON_NUMBERS = range(1, 9)
STREAM_NUMBERS = range(8, 0, -1)
GRADE_CHANCE = 0.42
ABSENCE_CHANCE = 0.05
TEST_EVERY = 8
TOPIC_WORDS = (
    "Повторение изученного",
    "Новый материал",
    "Практическая работа",
    "Решение задач",
    "Работа с текстом",
    "Обобщение и систематизация",
    "Самостоятельная работа",
)
KINDS = (
    (GradeKind.CLASSWORK, 0.5),
    (GradeKind.HOMEWORK, 0.25),
    (GradeKind.ORAL, 0.15),
    (GradeKind.INDEPENDENT, 0.1),
)
MARKS = (
    (AbsenceMark.ILL, 0.5),
    (AbsenceMark.ABSENT, 0.3),
    (AbsenceMark.EXCUSED, 0.15),
    (AbsenceMark.LATE, 0.05),
)
CHANGE_REASONS = (
    "Пересдача работы",
    "Ошибка при выставлении",
    "Оценка выставлена не тому обучающемуся",
    "Учтена работа над ошибками",
)


@dataclass
class _Unit:
    """Lessons of one subject of a class taught at the same time (a subject or its subgroups)."""

    subject_id: int
    hours: int
    groups: list[tuple[int, int]]  # (group_id, staff_id)
    apart: bool = False  # an individual plan, taught apart from the class


def _choose(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _teaching_units(
    session: Session, year: SchoolYear
) -> tuple[dict[int | None, dict[tuple[int, bool], _Unit]], list[_Unit]]:
    """The year's teaching load as units per class, and the streams (taught across classes)."""
    rows = session.execute(
        select(
            StudyGroup.id,
            StudyGroup.class_id,
            StudyGroup.kind,
            TeachingAssignment.subject_id,
            TeachingAssignment.staff_id,
            TeachingAssignment.hours_per_week,
        )
        .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .where(StudyGroup.school_year_id == year.id)
        .order_by(StudyGroup.class_id, TeachingAssignment.subject_id, StudyGroup.id)
    ).all()
    units: dict[int | None, dict[tuple[int, bool], _Unit]] = defaultdict(dict)
    streams: list[_Unit] = []
    for group_id, class_id, kind, subject_id, staff_id, hours in rows:
        count = max(1, round(hours))
        if class_id is None:
            streams.append(_Unit(subject_id, count, [(group_id, staff_id)]))
            continue
        # An individual plan is taught apart from the class (often by the class's own teacher),
        # at a time the class has no lesson, so the pupil misses nothing.
        key = (subject_id, kind == GroupKind.INDIVIDUAL)
        unit = units[class_id].setdefault(key, _Unit(subject_id, count, [], key[1]))
        unit.groups.append((group_id, staff_id))
        if kind != GroupKind.INDIVIDUAL:
            unit.hours = max(unit.hours, count)
    return units, streams


class _Week:
    """Who is busy when: the lesson numbers taken per teacher and per class on each weekday."""

    def __init__(self) -> None:
        self.taken: set[tuple[str, int, int, int]] = set()  # (owner kind, owner id, day, number)

    def first_free(self, owners: list[tuple[str, int]], day: int, numbers: range) -> int | None:
        """The first lesson number of the day free for every owner, or None."""
        return next(
            (n for n in numbers if all((*o, day, n) not in self.taken for o in owners)), None
        )

    def book(self, owners: list[tuple[str, int]], day: int, number: int) -> None:
        """Mark the lesson number of the day taken for every owner."""
        self.taken.update((*owner, day, number) for owner in owners)

    def release(self, owners: list[tuple[str, int]], day: int, number: int) -> None:
        """Free the lesson number of the day again for every owner."""
        self.taken.difference_update((*owner, day, number) for owner in owners)


def _slot(
    year: SchoolYear, unit: _Unit, group: tuple[int, int], day: int, number: int, room: str
) -> dict[str, Any]:
    """The row of one timetable slot."""
    group_id, staff_id = group
    return {
        "school_year_id": year.id,
        "group_id": group_id,
        "subject_id": unit.subject_id,
        "staff_id": staff_id,
        "weekday": day,
        "lesson_number": number,
        "room": room,
    }


def _waves(unit: _Unit) -> list[_Unit]:
    """The unit's groups in turns that share no teacher: one teacher's two subgroups take turns."""
    turns: list[list[tuple[int, int]]] = []
    for group in unit.groups:
        turn = next((t for t in turns if all(staff != group[1] for _, staff in t)), None)
        if turn is None:
            turns.append(turn := [])
        turn.append(group)
    return [_Unit(unit.subject_id, unit.hours, turn, unit.apart) for turn in turns]


class _ClassPlan:
    """A class's week: days kept even, each hour at the first number free for all involved."""

    def __init__(self, year: SchoolYear, class_id: int, week: _Week, rng: random.Random) -> None:
        self.year, self.class_id, self.week, self.rng = year, class_id, week, rng
        self.load = {day: 0 for day in DAYS}
        self.subjects_on: dict[int, Counter[int]] = {day: Counter() for day in DAYS}
        self.at: dict[tuple[int, int], tuple[_Unit, list[dict[str, Any]]]] = {}
        self.slots: list[dict[str, Any]] = []

    def owners(self, unit: _Unit) -> list[tuple[str, int]]:
        """The class and the unit's teachers: all of them are busy during its lesson."""
        return [("class", self.class_id), *(("staff", s) for _, s in unit.groups)]

    def place(self, unit: _Unit) -> None:
        """One hour of the unit on the least loaded day that has a number free for everyone."""
        choices = [self.owners(unit)]
        if unit.apart:
            # An individual plan goes where the class is free if it can (it comes last), else
            # anywhere its teacher is free: the pupil then leaves a class lesson for it.
            choices.append([*self.owners(unit)[1:], *(("group", g) for g, _ in unit.groups)])
        for owners in choices:
            time = self._pick(unit, owners)
            if time is not None:
                self._put(unit, owners, *time, None)
                return
        if not self._swap_in(unit):
            raise DomainError("Демо-расписание не сложилось: учителям не хватает уроков.")

    def _pick(self, unit: _Unit, owners: list[tuple[str, int]]) -> tuple[int, int] | None:
        """The least loaded day (rather one without the subject yet) and its first free number."""
        number_on = {d: self.week.first_free(owners, d, LESSON_NUMBERS) for d in DAYS}
        open_days = [d for d in DAYS if number_on[d] is not None]
        if not open_days:
            return None
        fresh = [d for d in open_days if not self.subjects_on[d][unit.subject_id]]
        day = min(fresh or open_days, key=lambda d: (self.load[d], number_on[d], self.rng.random()))
        number = number_on[day]
        assert number is not None
        return day, number

    def _put(
        self,
        unit: _Unit,
        owners: list[tuple[str, int]],
        day: int,
        number: int,
        rows: list[dict[str, Any]] | None,
    ) -> None:
        self.week.book(owners, day, number)
        self.load[day] += 1
        self.subjects_on[day][unit.subject_id] += 1
        if rows is None:
            rows = [
                _slot(self.year, unit, group, day, number, str(100 + self.rng.randrange(1, 40)))
                for group in unit.groups
            ]
            self.slots += rows
        for row in rows:
            row["weekday"], row["lesson_number"] = day, number
        if owners[0] == ("class", self.class_id):
            self.at[(day, number)] = (unit, rows)

    def _swap_in(self, unit: _Unit) -> bool:
        """Free a class time the unit's teachers have free by moving its lesson elsewhere."""
        staff = self.owners(unit)[1:]
        for day, number in sorted(self.at):
            if self.week.first_free(staff, day, range(number, number + 1)) is None:
                continue
            other, rows = self.at[(day, number)]
            moves = [(d, self.week.first_free(self.owners(other), d, LESSON_NUMBERS)) for d in DAYS]
            target = next(((d, n) for d, n in moves if n is not None), None)
            if target is None:
                continue
            del self.at[(day, number)]
            self.week.release(self.owners(other), day, number)
            self.load[day] -= 1
            self.subjects_on[day][other.subject_id] -= 1
            self._put(other, self.owners(other), *target, rows)
            self._put(unit, self.owners(unit), day, number, None)
            return True
        return False


def _plan_slots(session: Session, year: SchoolYear, rng: random.Random) -> list[dict[str, Any]]:
    """A weekly timetable in which no teacher and no class has two lessons at one time.

    Subgroups of a split subject share the same time when they have different teachers; the streams
    go first, at the last lesson, so that their teachers' class lessons avoid them.
    """
    units, streams = _teaching_units(session, year)
    week = _Week()
    slots: list[dict[str, Any]] = []
    for index, unit in enumerate(streams):
        for hour in range(unit.hours):
            staff = [("staff", unit.groups[0][1])]
            start = index + hour * 2
            days = [DAYS[(start + shift) % len(DAYS)] for shift in range(len(DAYS))]
            # The assembly hall holds one stream at a time; another takes the next free day.
            owners = [*staff, ("room", 0)]
            day, number = next(
                (d, n) for d in days if (n := week.first_free(owners, d, STREAM_NUMBERS))
            )
            week.book(owners, day, number)
            slots.append(_slot(year, unit, unit.groups[0], day, number, "Актовый зал"))
    for class_id, class_units in units.items():
        plan = _ClassPlan(year, class_id or 0, week, rng)
        ordered = sorted(class_units.values(), key=lambda u: (u.apart, -u.hours))
        for unit in (wave for whole in ordered for wave in _waves(whole)):
            for _ in range(unit.hours):
                plan.place(unit)
        slots += plan.slots
    return slots


def _rosters(
    session: Session, year: SchoolYear
) -> dict[tuple[int, int], list[tuple[int, date, date | None]]]:
    """Per (group, subject): members with their dates, minus students taught it elsewhere."""
    members: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    kinds = dict(
        session.execute(
            select(StudyGroup.id, StudyGroup.kind).where(StudyGroup.school_year_id == year.id)
        ).all()
    )
    for group_id, student_id, start, end in session.execute(
        select(
            GroupMembership.group_id,
            GroupMembership.student_id,
            GroupMembership.starts_on,
            GroupMembership.ends_on,
        ).order_by(GroupMembership.student_id)
    ):
        members[group_id].append((student_id, start, end))
    elsewhere: dict[int, set[int]] = defaultdict(set)  # subject → students in other groups
    pairs = session.execute(
        select(TeachingAssignment.group_id, TeachingAssignment.subject_id)
    ).all()
    for group_id, subject_id in pairs:
        if kinds.get(group_id) not in (None, GroupKind.WHOLE_CLASS):
            elsewhere[subject_id].update(s for s, _, _ in members[group_id])
    result = {}
    for group_id, subject_id in pairs:
        roster = members[group_id]
        if kinds.get(group_id) == GroupKind.WHOLE_CLASS:
            roster = [m for m in roster if m[0] not in elsewhere[subject_id]]
        result[(group_id, subject_id)] = roster
    return result


def seed_demo_journal(session: Session, today: date, rng_seed: int = 20260901) -> dict[str, int]:
    """Fill timetable, lessons, grades, absences, topics, homework, tests and changes up to today.

    Lessons are generated for the whole year (the timetable is known ahead); topics, homework
    and marks only in lessons over by the seeding moment (`catalogue.seeding_moment`). Periods
    ended before `today` get period grades. Rows go in by bulk inserts.
    """
    actor = session.info.get("actor")
    if not isinstance(actor, Actor) or not actor.is_system:
        raise DomainError("Демо-журнал заполняет только системный процесс.")
    year = find_current_year(session)
    if year is None:
        raise DomainError("Сначала создайте демо-школу.")
    if session.scalar(select(Lesson.id).limit(1)) is not None:
        raise DomainError("Журнал уже заполнен.")
    previous = session.info.get("audit")
    session.info["audit"] = False
    try:
        return _seed(session, year, today, random.Random(rng_seed))
    finally:
        if previous is None:
            session.info.pop("audit", None)
        else:
            session.info["audit"] = previous


def _bulk(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])


def _seed(session: Session, year: SchoolYear, today: date, rng: random.Random) -> dict[str, int]:
    _bulk(session, TimetableSlot, _plan_slots(session, year, rng))
    # Seeded at 6:45, today's lessons are still to come: no topic, grade or absence in them yet.
    moment = seeding_moment(today)
    lessons, lesson_changes = _seed_lessons(session, year, moment, rng)
    marks = _Marks(session, year, moment)
    marks.seed(rng)
    stats = {"lessons": lessons, "grades": marks.grades, "absences": marks.absences}
    stats["changed_grades"] = _change_some_grades(session, rng, stats["grades"])
    stats["lesson_changes"] = lesson_changes
    session.flush()
    return stats


@dataclass(frozen=True)
class _Slot:
    """A weekly timetable slot as the lesson generator reads it."""

    slot_id: int
    group_id: int
    subject_id: int
    staff_id: int
    weekday: int
    number: int
    room: str | None


def _school_days(session: Session, year: SchoolYear) -> list[date]:
    periods = calendar.list_periods(session)
    off = calendar.holiday_dates(session, year.starts_on, year.ends_on)
    return [
        d
        for d in calendar.dates_between(year.starts_on, year.ends_on)
        if d not in off and any(p.starts_on <= d <= p.ends_on for p in periods)
    ]


def _seed_lessons(
    session: Session, year: SchoolYear, moment: datetime, rng: random.Random
) -> tuple[int, int]:
    """Lessons of the whole year, tests, and a few substitutions, moves and cancellations."""
    slot_columns = (TimetableSlot.id, TimetableSlot.group_id, TimetableSlot.subject_id)
    slots = [
        _Slot(*row)
        for row in session.execute(
            select(
                *slot_columns,
                TimetableSlot.staff_id,
                TimetableSlot.weekday,
                TimetableSlot.lesson_number,
                TimetableSlot.room,
            ).order_by(TimetableSlot.id)
        )
    ]
    short = dict(session.execute(select(Subject.id, Subject.short_name)).all())
    changes = _LessonChanges(session, rng, slots)
    lesson_rows: list[dict[str, Any]] = []
    tests: list[dict[str, Any]] = []
    counters: dict[tuple[int, int], int] = defaultdict(int)
    for day in _school_days(session, year):
        for slot in slots:
            if day.isoweekday() != slot.weekday:
                continue
            key = (slot.group_id, slot.subject_id)
            n = counters[key] = counters[key] + 1
            given = lesson_end(day, slot.number) <= moment
            row = _lesson_row(slot, day, n, given, short[slot.subject_id], rng)
            if n % TEST_EVERY == 0:
                tests.append(
                    {
                        "group_id": slot.group_id,
                        "subject_id": slot.subject_id,
                        "planned_on": day,
                        "title": f"Контрольная работа № {n // TEST_EVERY}",
                        "created_by": SEEDER,
                    }
                )
            # Changes of the seeding day itself are the family week's (demo/family.py).
            past = day < moment.date()
            changes.maybe_change(row, slot, day, past=past, is_test=n % TEST_EVERY == 0)
            lesson_rows.append(row)
    _bulk(session, Lesson, lesson_rows)
    _bulk(session, PlannedTest, tests)
    return changes.write(), len(changes.changes)


def _lesson_row(
    slot: _Slot, day: date, n: int, past: bool, short_name: str, rng: random.Random
) -> dict[str, Any]:
    """The n-th lesson of a slot's group: topic and homework filled in for past lessons."""
    is_test = n % TEST_EVERY == 0
    topic = None
    if past:
        topic = (
            f"Контрольная работа № {n // TEST_EVERY}"
            if is_test
            else f"{short_name}: {rng.choice(TOPIC_WORDS).lower()}, § {n}"
        )
    homework = None
    if past and not is_test:
        homework = f"§ {n}, № {rng.randrange(1, 40)}–{rng.randrange(40, 80)}"
    return {
        "group_id": slot.group_id,
        "subject_id": slot.subject_id,
        "staff_id": slot.staff_id,
        "lesson_date": day,
        "number": slot.number,
        "room": slot.room,
        "status": LessonStatus.SCHEDULED,
        "topic": topic,
        "homework": homework,
        "slot_id": slot.slot_id,
        "planned_on": day,
    }


class _LessonChanges:
    """About one past lesson in 140 gets a substitution, a move or a cancellation.

    A substitute is free at that time and a lesson moves only to a free time (what the
    timetable services check): the teachers' and groups' weeks and the changes made so far.
    """

    def __init__(self, session: Session, rng: random.Random, slots: list[_Slot]) -> None:
        self.session, self.rng = session, rng
        self.weekly = {("staff", s.staff_id, s.weekday, s.number) for s in slots} | {
            ("group", s.group_id, s.weekday, s.number) for s in slots
        }
        self.changed: set[tuple[str, int, date, int]] = set()
        self.changes: list[tuple[tuple[int, date], dict[str, Any]]] = []
        self.teachers_of: dict[int, list[int]] = defaultdict(list)
        for subject_id, staff_id in session.execute(
            select(TeachingAssignment.subject_id, TeachingAssignment.staff_id).distinct()
        ):
            self.teachers_of[subject_id].append(staff_id)
        self.all_teachers = sorted({s for staff in self.teachers_of.values() for s in staff})

    def maybe_change(
        self, row: dict[str, Any], slot: _Slot, day: date, *, past: bool, is_test: bool
    ) -> None:
        """Roll the dice for one lesson; a change edits the lesson row and is kept for later."""
        announced = datetime.combine(day - timedelta(days=1), time(12, 0), tzinfo=UTC)
        roll = self.rng.random()
        change: dict[str, Any]
        if past and roll < 0.004 and (others := self._substitutes(slot, day)):
            row["staff_id"] = self.rng.choice(others)
            self.changed.add(("staff", row["staff_id"], day, slot.number))
            change = {
                "kind": LessonChangeKind.SUBSTITUTION,
                "old_staff_id": slot.staff_id,
                "new_staff_id": row["staff_id"],
                "reason": "Болезнь учителя",
            }
        elif (
            past
            and roll < 0.006
            and self._free("staff", slot.staff_id, day, 8)
            and self._free("group", slot.group_id, day, 8)
        ):
            row["number"] = 8
            self.changed.update(
                {("staff", slot.staff_id, day, 8), ("group", slot.group_id, day, 8)}
            )
            change = {
                "kind": LessonChangeKind.MOVE,
                "old_date": day,
                "new_date": day,
                "old_number": slot.number,
                "new_number": 8,
                "reason": "Изменение расписания",
            }
        elif past and roll < 0.007 and not is_test:
            row["status"] = LessonStatus.CANCELLED
            row["topic"] = row["homework"] = None
            change = {
                "kind": LessonChangeKind.CANCELLATION,
                "reason": "Учитель на курсах повышения квалификации",
            }
        else:
            return
        self.changes.append(((slot.slot_id, day), {**change, "announced_at": announced}))

    def _free(self, kind: str, owner: int, day: date, number: int) -> bool:
        weekly = (kind, owner, day.isoweekday(), number)
        return weekly not in self.weekly and (kind, owner, day, number) not in self.changed

    def _substitutes(self, slot: _Slot, day: date) -> list[int]:
        """Teachers free at the slot's time that day, those of its subject if there are any."""

        def free(teachers: list[int]) -> list[int]:
            return [
                t
                for t in teachers
                if t != slot.staff_id and self._free("staff", t, day, slot.number)
            ]

        return free(self.teachers_of[slot.subject_id]) or free(self.all_teachers)

    def write(self) -> int:
        """Write the changes against the inserted lessons; returns how many lessons there are."""
        ids = {
            (slot_id, planned_on): lesson_id
            for lesson_id, slot_id, planned_on in self.session.execute(
                select(Lesson.id, Lesson.slot_id, Lesson.planned_on)
            )
        }
        _bulk(
            self.session,
            LessonChange,
            [
                {"lesson_id": ids[key], "announced_by": SEEDER, **change}
                for key, change in self.changes
            ],
        )
        return len(ids)


class _Marks:
    """Grades, absences and period grades of lessons over by `moment`, written in batches."""

    def __init__(self, session: Session, year: SchoolYear, moment: datetime) -> None:
        self.session, self.year, self.moment = session, year, moment
        self.rosters = _rosters(session, year)
        self.unmarked = set(
            session.scalars(
                select(StudyGroup.id)
                .join(SchoolClass, SchoolClass.id == StudyGroup.class_id)
                .where(SchoolClass.without_marks)
            )
        )
        self.grade_rows: list[dict[str, Any]] = []
        self.absence_rows: list[dict[str, Any]] = []
        self.totals: dict[tuple[int, int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
        self.period_of = {
            d: p.period_id
            for p in calendar.list_periods(session)
            if p.ends_on < moment.date()
            for d in calendar.dates_between(p.starts_on, p.ends_on)
        }
        self.created = datetime.combine(year.starts_on, time(9, 0), tzinfo=UTC)
        self.grades = self.absences = 0

    def seed(self, rng: random.Random) -> None:
        """Mark every past lesson, then set period grades from the weighted averages."""
        students = sorted({s for roster in self.rosters.values() for s, _, _ in roster})
        # Most students do well; a few struggle, so the class teacher's at-risk list stays short.
        ability = {
            s: (rng.uniform(2.5, 3.0) if rng.random() < 0.06 else rng.uniform(3.5, 4.9))
            for s in students
        }
        truancy = {s: 0.25 if rng.random() < 0.04 else ABSENCE_CHANCE for s in students}
        for lesson_id, group_id, subject_id, day, number, status, topic in self.session.execute(
            select(
                Lesson.id,
                Lesson.group_id,
                Lesson.subject_id,
                Lesson.lesson_date,
                Lesson.number,
                Lesson.status,
                Lesson.topic,
            )
            .where(Lesson.lesson_date <= self.moment.date())
            .order_by(Lesson.id)
        ):
            if status == LessonStatus.CANCELLED or lesson_end(day, number) > self.moment:
                continue
            is_test = bool(topic and topic.startswith("Контрольная"))
            at = seeded_moment(
                self.created
                + timedelta(days=(day - self.year.starts_on).days, hours=rng.randrange(0, 8))
            )
            for student_id, start, end in self.rosters.get((group_id, subject_id), ()):
                if start > day or (end is not None and end < day):
                    continue
                if rng.random() < truancy[student_id]:
                    mark = _choose(rng, MARKS)
                    self.absence_rows.append(
                        {"lesson_id": lesson_id, "student_id": student_id, "mark": mark}
                    )
                    continue
                if group_id in self.unmarked:
                    continue
                if not (is_test and rng.random() < 0.95) and rng.random() >= GRADE_CHANCE:
                    continue
                kind = GradeKind.TEST if is_test else _choose(rng, KINDS)
                value = max(2, min(5, round(rng.gauss(ability[student_id], 0.6))))
                self._grade(lesson_id, student_id, (subject_id, group_id), day, kind, value, at)
            self._write(BATCH)
        self._write(1)
        self._write_period_grades()

    def _grade(
        self,
        lesson_id: int,
        student_id: int,
        subject_group: tuple[int, int],
        day: date,
        kind: GradeKind,
        value: int,
        at: datetime,
    ) -> None:
        weight = GRADE_KIND_WEIGHTS[kind]
        self.grade_rows.append(
            {
                "lesson_id": lesson_id,
                "student_id": student_id,
                "value": value,
                "kind": kind,
                "weight": weight,
                "created_at": at,
                "created_by": SEEDER,
            }
        )
        period_id = self.period_of.get(day)
        if period_id is not None:
            acc = self.totals[(period_id, student_id, *subject_group)]
            acc[0] += value * weight
            acc[1] += weight

    def _write(self, at_least: int) -> None:
        """Write the pending grades and absences once there are `at_least` of a kind."""
        if self.grade_rows and len(self.grade_rows) >= at_least:
            self.grades += len(self.grade_rows)
            _bulk(self.session, Grade, self.grade_rows)
            self.grade_rows = []
        if self.absence_rows and len(self.absence_rows) >= at_least:
            self.absences += len(self.absence_rows)
            _bulk(self.session, Absence, self.absence_rows)
            self.absence_rows = []

    def _write_period_grades(self) -> None:
        _bulk(
            self.session,
            PeriodGrade,
            [
                {
                    "period_id": period_id,
                    "student_id": student_id,
                    "subject_id": subject_id,
                    "group_id": group_id,
                    "value": max(2, min(5, round(total / weight))),
                    "set_at": self.created,
                    "set_by": SEEDER,
                }
                for (period_id, student_id, subject_id, group_id), (total, weight) in (
                    self.totals.items()
                )
                if weight
            ],
        )


def _change_some_grades(session: Session, rng: random.Random, total: int) -> int:
    """Change about one grade in 2000 (at least a few), with a reason in the history."""
    step = max(1, min(total // 8 or 1, 2000))
    picked = session.execute(
        select(
            Grade.id, Grade.lesson_id, Grade.student_id, Grade.value, Grade.kind, Grade.created_at
        )
        .where(Grade.id % step == 0)
        .order_by(Grade.id)
    ).all()
    history = []
    for grade_id, lesson_id, student_id, value, kind, created_at in picked:
        new = value + 1 if value < 5 else value - 1
        session.execute(update(Grade).where(Grade.id == grade_id).values(value=new))
        history.append(
            {
                "grade_id": grade_id,
                "lesson_id": lesson_id,
                "student_id": student_id,
                "old_value": value,
                "old_kind": kind,
                "new_value": new,
                "new_kind": kind,
                "changed_at": seeded_moment(created_at + timedelta(days=2)),
                "changed_by": SEEDER,
                "reason": rng.choice(CHANGE_REASONS),
            }
        )
    _bulk(session, GradeChange, history)
    return len(history)
