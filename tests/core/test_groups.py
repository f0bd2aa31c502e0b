"""Study groups: split invariants, membership history, scope, individual plans, streams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.db import unit_of_work
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import (
    AuditLog,
    Enrolment,
    GroupKind,
    GroupMembership,
    Guardian,
    GuardianLink,
    Relation,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.permissions import Actor, Role
from klassruk.services import groups
from klassruk.services.groups import GroupPlan, SplitMethod, SplitPlan
from tests.concurrency import run_together
from tests.factories import SYSTEM, actor_of, make_account

START = date(2026, 9, 1)
MOVE = date(2026, 11, 9)
ENGLISH = "Английский язык"


@dataclass
class School:
    """Ids of a small two-class school."""

    year: SchoolYear
    class7: SchoolClass
    class8: SchoolClass
    subjects: dict[str, Subject]
    staff: dict[str, Staff]
    students7: list[Student]
    students8: list[Student]

    def sid(self, name: str) -> int:
        return self.subjects[name].id


def _staff(session: Session, last: str) -> Staff:
    staff = Staff(last_name=last, first_name="Анна", middle_name="Ивановна")
    session.add(staff)
    return staff


def _pupils(session: Session, school_class: SchoolClass, names: list[str]) -> list[Student]:
    pupils = [Student(last_name=n, first_name="Иван") for n in names]
    session.add_all(pupils)
    session.flush()
    session.add_all(
        Enrolment(student_id=p.id, class_id=school_class.id, starts_on=START) for p in pupils
    )
    return pupils


def build_school(session: Session) -> School:
    """7А (6 students) and 8А (4), whole-class load, accounts for every role."""
    year = SchoolYear(name="2026/2027", starts_on=START, ends_on=date(2027, 5, 31), is_current=True)
    subjects = {
        n: Subject(name=n, short_name=n[:10])
        for n in (ENGLISH, "Информатика", "Математика", "Физическая культура")
    }
    staff = {
        k: _staff(session, k)
        for k in (
            "Классова",
            "Восьмова",
            "Англова",
            "Инглишева",
            "Информова",
            "Физрукова",
            "Математова",
            "Завучева",
        )
    }
    session.add_all([year, *subjects.values()])
    session.flush()
    class7 = SchoolClass(
        school_year_id=year.id, grade=7, letter="А", class_teacher_id=staff["Классова"].id
    )
    class8 = SchoolClass(
        school_year_id=year.id, grade=8, letter="А", class_teacher_id=staff["Восьмова"].id
    )
    session.add_all([class7, class8])
    session.flush()
    students7 = _pupils(
        session, class7, ["Аксёнов", "Белов", "Волков", "Громов", "Дёмин", "Егоров"]
    )
    students8 = _pupils(session, class8, ["Жуков", "Зайцев", "Ильин", "Карпов"])
    load = [
        (class7, ENGLISH, "Англова", 3.0),
        (class7, "Информатика", "Информова", 1.0),
        (class7, "Математика", "Математова", 5.0),
        (class7, "Физическая культура", "Физрукова", 2.0),
        (class8, ENGLISH, "Инглишева", 3.0),
        (class8, "Математика", "Математова", 4.0),
    ]
    for school_class, subject, teacher, hours in load:
        group = groups.whole_class_group(session, school_class)
        session.add(
            TeachingAssignment(
                staff_id=staff[teacher].id,
                subject_id=subjects[subject].id,
                group_id=group.id,
                hours_per_week=hours,
            )
        )
    guardian = Guardian(last_name="Белова", first_name="Ольга")
    session.add(guardian)
    session.flush()
    session.add(
        GuardianLink(guardian_id=guardian.id, student_id=students7[1].id, relation=Relation.MOTHER)
    )
    make_account(session, "kl7", {Role.CLASS_TEACHER, Role.TEACHER}, staff_id=staff["Классова"].id)
    make_account(session, "kl8", {Role.CLASS_TEACHER}, staff_id=staff["Восьмова"].id)
    make_account(session, "english", {Role.TEACHER}, staff_id=staff["Англова"].id)
    make_account(session, "zavuch", {Role.DEPUTY_HEAD}, staff_id=staff["Завучева"].id)
    make_account(session, "mama", {Role.GUARDIAN}, guardian_id=guardian.id)
    make_account(session, "belov", {Role.STUDENT}, student_id=students7[1].id)
    make_account(session, "zhukov", {Role.STUDENT}, student_id=students8[0].id)
    session.flush()
    return School(year, class7, class8, subjects, staff, students7, students8)


@pytest.fixture
def school(session: Session) -> School:
    return build_school(session)


def act(session: Session, login: str) -> Actor:
    actor = actor_of(session, login)
    session.info["actor"] = actor
    return actor


def english_plan(school: School, first: list[int], second: list[int], **kw) -> SplitPlan:
    teacher1, teacher2 = school.staff["Англова"].id, school.staff["Инглишева"].id
    return SplitPlan(
        subject_id=school.sid(ENGLISH),
        groups=[
            GroupPlan(kw.get("name1", "7А: Английский язык, гр. 1"), kw.get("t1", teacher1), first),
            GroupPlan(
                kw.get("name2", "7А: Английский язык, гр. 2"), kw.get("t2", teacher2), second
            ),
        ],
    )


def split_english(session: Session, school: School, actor: Actor) -> list[StudyGroup]:
    proposal = groups.propose_split(
        session,
        actor,
        class_id=school.class7.id,
        subject_id=school.sid(ENGLISH),
        groups_count=2,
        method=SplitMethod.ALPHABETICAL,
        on=START,
    )
    return groups.create_splits(
        session,
        actor,
        class_id=school.class7.id,
        plans=[english_plan(school, *proposal.groups)],
        on=START,
    )


def _group_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(StudyGroup).where(StudyGroup.kind == GroupKind.SUBGROUP)
    )


# ---------------------------------------------------------------- splitting


def test_alphabetical_split_puts_every_student_in_exactly_one_group(session, school):
    actor = act(session, "kl7")
    created = split_english(session, school, actor)
    assert [g.name for g in created] == ["7А: Английский язык, гр. 1", "7А: Английский язык, гр. 2"]
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=START)
    (split,) = info.splits
    members = [sid for g in split.groups for sid in g.student_ids]
    assert sorted(members) == sorted(s.id for s in school.students7)
    assert len(members) == len(set(members))
    first = {s.name for s in info.students if s.student_id in split.groups[0].student_ids}
    assert first == {"Аксёнов Иван", "Белов Иван", "Волков Иван"}
    assert split.unplaced == []
    # The split replaces the whole-class load of the subject: taught once, full hours per group.
    english = session.execute(
        select(StudyGroup.kind, TeachingAssignment.hours_per_week, TeachingAssignment.staff_id)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .where(
            TeachingAssignment.subject_id == school.sid(ENGLISH),
            StudyGroup.class_id == school.class7.id,
        )
    ).all()
    assert sorted(english) == sorted(
        [
            (GroupKind.SUBGROUP, 3.0, school.staff["Англова"].id),
            (GroupKind.SUBGROUP, 3.0, school.staff["Инглишева"].id),
        ]
    )
    table = info.table()
    assert table[0] == {"Обучающийся": "Аксёнов Иван", ENGLISH: "7А: Английский язык, гр. 1"}


def test_balanced_split_alternates_and_keeps_sizes_equal(session, school):
    actor = act(session, "kl7")
    proposal = groups.propose_split(
        session,
        actor,
        class_id=school.class7.id,
        subject_id=school.sid(ENGLISH),
        groups_count=4,
        method=SplitMethod.BALANCED,
        on=START,
    )
    assert sorted(len(g) for g in proposal.groups) == [1, 1, 2, 2]
    assert proposal.groups[0] == [school.students7[0].id, school.students7[4].id]


def test_last_years_groups_are_kept_and_newcomers_fill_the_smallest_group(session, school):
    previous = SchoolYear(name="2025/2026", starts_on=date(2025, 9, 1), ends_on=date(2026, 5, 31))
    session.add(previous)
    session.flush()
    class6 = SchoolClass(school_year_id=previous.id, grade=6, letter="А")
    session.add(class6)
    session.flush()
    old = [
        StudyGroup(
            school_year_id=previous.id,
            class_id=class6.id,
            subject_id=school.sid(ENGLISH),
            kind=GroupKind.SUBGROUP,
            name=f"6А: Английский язык, гр. {n}",
        )
        for n in (1, 2)
    ]
    session.add_all(old)
    session.flush()
    s = school.students7
    # Last year: Аксёнов, Волков in group 2; Белов, Громов, Дёмин in group 1; Егоров is new.
    for student, group in [
        (s[0], old[1]),
        (s[2], old[1]),
        (s[1], old[0]),
        (s[3], old[0]),
        (s[4], old[0]),
    ]:
        session.add(
            GroupMembership(
                group_id=group.id,
                student_id=student.id,
                starts_on=date(2025, 9, 1),
                ends_on=date(2026, 5, 31),
            )
        )
    session.flush()
    actor = act(session, "kl7")
    proposal = groups.propose_split(
        session,
        actor,
        class_id=school.class7.id,
        subject_id=school.sid(ENGLISH),
        groups_count=2,
        method=SplitMethod.LAST_YEAR,
        on=START,
    )
    assert proposal.groups == [[s[1].id, s[3].id, s[4].id], [s[0].id, s[2].id, s[5].id]]
    # 8А did not exist as 7А last year: the method is refused with a clear message.
    with pytest.raises(DomainError, match="не было класса 7А"):
        groups.propose_split(
            session,
            act(session, "kl8"),
            class_id=school.class8.id,
            subject_id=school.sid(ENGLISH),
            groups_count=2,
            method=SplitMethod.LAST_YEAR,
            on=START,
        )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "пуста"),
        ("twice", "сразу в две группы"),
        ("missing", "не распределены"),
        ("wrong_teacher", "нет предмета «Английский язык» в учебной нагрузке"),
        ("existing_name", "уже есть в этом учебном году"),
        ("same_names", "уже есть в этом учебном году"),
        ("no_teacher", "выберите учителя"),
    ],
)
def test_bad_split_gets_a_russian_message_and_saves_nothing(session, school, case, message):
    actor = act(session, "kl7")
    ids = [s.id for s in school.students7]
    first, second, kw = ids[:3], ids[3:], {}
    if case == "empty":
        first, second = ids, []
    elif case == "twice":
        second = ids[2:]
    elif case == "missing":
        second = ids[3:5]
    elif case == "wrong_teacher":
        kw = {"t2": school.staff["Физрукова"].id}
    elif case == "existing_name":
        kw = {"name2": "7А"}  # the whole-class group's name
    elif case == "same_names":
        kw = {"name2": "7а: английский язык, гр. 1"}
    elif case == "no_teacher":
        kw = {"t1": None}
    before_load = session.scalar(select(func.count()).select_from(TeachingAssignment))
    with pytest.raises(DomainError, match=message):
        groups.create_splits(
            session,
            actor,
            class_id=school.class7.id,
            plans=[english_plan(school, first, second, **kw)],
            on=START,
        )
    assert _group_count(session) == 0
    assert session.scalar(select(func.count()).select_from(TeachingAssignment)) == before_load


def test_second_subject_error_saves_neither_subject(session, school):
    actor = act(session, "kl7")
    ids = [s.id for s in school.students7]
    informatics = SplitPlan(
        subject_id=school.sid("Информатика"),
        groups=[
            GroupPlan("7А: Информатика, гр. 1", school.staff["Информова"].id, ids[:3]),
            GroupPlan("7А: Информатика, гр. 2", school.staff["Информова"].id, []),
        ],
    )
    with pytest.raises(DomainError, match="пуста"):
        groups.create_splits(
            session,
            actor,
            class_id=school.class7.id,
            plans=[english_plan(school, ids[:3], ids[3:]), informatics],
            on=START,
        )
    assert _group_count(session) == 0


def test_splitting_the_same_subject_twice_is_refused(session, school):
    actor = act(session, "kl7")
    split_english(session, school, actor)
    with pytest.raises(DomainError, match="уже разделён"):
        split_english(session, school, actor)


# ---------------------------------------------------------------- history


def test_move_keeps_history_and_old_dates_still_find_the_old_group(session, school):
    actor = act(session, "kl7")
    group1, group2 = split_english(session, school, actor)
    student = school.students7[0].id
    english = school.sid(ENGLISH)
    groups.move_student(session, actor, student_id=student, to_group_id=group2.id, on=MOVE)
    rows = session.execute(
        select(GroupMembership.group_id, GroupMembership.starts_on, GroupMembership.ends_on)
        .where(
            GroupMembership.student_id == student,
            GroupMembership.group_id.in_([group1.id, group2.id]),
        )
        .order_by(GroupMembership.starts_on)
    ).all()
    assert rows == [(group1.id, START, date(2026, 11, 8)), (group2.id, MOVE, None)]
    # A grade given on 8 November stays in group 1's journal; from 9 November it is group 2.
    assert groups.group_of_student_on(session, student, english, date(2026, 11, 8)).id == group1.id
    assert groups.group_of_student_on(session, student, english, START).id == group1.id
    assert groups.group_of_student_on(session, student, english, MOVE).id == group2.id
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert [len(g.student_ids) for g in info.splits[0].groups] == [2, 4]
    # Moving again into the group the student is already in is refused.
    with pytest.raises(DomainError, match="уже в группе"):
        groups.move_student(session, actor, student_id=student, to_group_id=group2.id, on=MOVE)


def test_unsplit_subject_is_filed_in_the_whole_class_group(session, school):
    group = groups.group_of_student_on(
        session, school.students7[0].id, school.sid("Математика"), START
    )
    assert group is not None and group.kind is GroupKind.WHOLE_CLASS


def test_a_student_who_joins_later_is_listed_until_placed(session, school):
    actor = act(session, "kl7")
    group1, _ = split_english(session, school, actor)
    newcomer = Student(last_name="Новиков", first_name="Пётр")
    session.add(newcomer)
    session.flush()
    session.add(Enrolment(student_id=newcomer.id, class_id=school.class7.id, starts_on=MOVE))
    session.flush()
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert [s.name for s in info.splits[0].unplaced] == ["Новиков Пётр"]
    assert info.table()[-1] == {"Обучающийся": "Новиков Пётр", ENGLISH: "не в группе"}
    groups.place_student(session, actor, student_id=newcomer.id, group_id=group1.id, on=MOVE)
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert info.splits[0].unplaced == []
    with pytest.raises(DomainError, match="уже в группе"):
        groups.place_student(session, actor, student_id=newcomer.id, group_id=group1.id, on=MOVE)


# ---------------------------------------------------------------- scope


def test_class_teacher_cannot_create_or_change_groups_of_another_class(session, school):
    group1, group2 = split_english(session, school, act(session, "kl7"))
    other = act(session, "kl8")
    ids = [s.id for s in school.students7]
    with pytest.raises(PermissionDenied):
        groups.create_splits(
            session,
            other,
            class_id=school.class7.id,
            plans=[english_plan(school, ids[:3], ids[3:])],
            on=START,
        )
    with pytest.raises(PermissionDenied):
        groups.move_student(session, other, student_id=ids[0], to_group_id=group2.id, on=MOVE)
    with pytest.raises(PermissionDenied):
        groups.update_group(
            session, other, group_id=group1.id, name="Чужая", teacher_id=school.staff["Англова"].id
        )
    with pytest.raises(PermissionDenied):
        groups.class_groups(session, other, class_id=school.class7.id, on=START)
    assert [c for c, _ in groups.classes_for_groups(session, other)] == [school.class8.id]


def test_teacher_cannot_change_groups_at_all(session, school):
    group1, group2 = split_english(session, school, act(session, "kl7"))
    teacher = act(session, "english")  # teaches group 1, still may not change it
    with pytest.raises(PermissionDenied):
        groups.move_student(
            session, teacher, student_id=school.students7[0].id, to_group_id=group2.id, on=MOVE
        )
    with pytest.raises(PermissionDenied):
        groups.update_group(
            session,
            teacher,
            group_id=group1.id,
            name="Новая",
            teacher_id=school.staff["Англова"].id,
        )
    with pytest.raises(PermissionDenied):
        groups.classes_for_groups(session, teacher)
    with pytest.raises(PermissionDenied):
        groups.create_stream(
            session,
            teacher,
            name="Поток",
            subject_id=school.sid(ENGLISH),
            teacher_id=school.staff["Англова"].id,
            hours_per_week=2,
            student_ids=[school.students7[0].id, school.students8[0].id],
            on=START,
        )


# ---------------------------------------------------------------- who teaches


def test_who_teaches_a_student_lists_the_subgroup_teacher_not_the_class_one(session, school):
    split_english(session, school, act(session, "kl7"))
    belov = school.students7[1].id  # group 1 (Англова); Егоров is in group 2 (Инглишева)
    for login in ("kl7", "zavuch", "mama", "belov"):
        rows = groups.teachers_of_student(session, act(session, login), student_id=belov, on=START)
        by_subject = {r.subject: (r.teacher, r.kind) for r in rows}
        assert by_subject[ENGLISH] == ("Англова Анна Ивановна", GroupKind.SUBGROUP)
        assert by_subject["Математика"] == ("Математова Анна Ивановна", GroupKind.WHOLE_CLASS)
    rows = groups.teachers_of_student(
        session, act(session, "kl7"), student_id=school.students7[5].id, on=START
    )
    assert [r.teacher for r in rows if r.subject == ENGLISH] == ["Инглишева Анна Ивановна"]
    class_rows = groups.teachers_of_class(
        session, act(session, "kl7"), class_id=school.class7.id, on=START
    )
    assert {(r.subject, r.teacher) for r in class_rows if r.subject == ENGLISH} == {
        (ENGLISH, "Англова Анна Ивановна"),
        (ENGLISH, "Инглишева Анна Ивановна"),
    }


def test_who_teaches_is_refused_outside_scope(session, school):
    other_child = school.students8[0].id
    for login in ("mama", "belov", "kl7", "english"):
        with pytest.raises(PermissionDenied):
            groups.teachers_of_student(
                session, act(session, login), student_id=other_child, on=START
            )
    with pytest.raises(PermissionDenied):
        groups.teachers_of_class(session, act(session, "kl8"), class_id=school.class7.id, on=START)


# ---------------------------------------------------------------- IUP and streams


def test_individual_plan_takes_over_its_subjects(session, school):
    actor = act(session, "kl7")
    group1, _ = split_english(session, school, actor)
    pupil = school.students7[0].id  # in English group 1
    iup = groups.create_individual_plan(
        session,
        actor,
        student_id=pupil,
        class_id=school.class7.id,
        on=MOVE,
        subjects=[
            groups.IndividualSubject(school.sid(ENGLISH), school.staff["Инглишева"].id, 1.0),
            groups.IndividualSubject(school.sid("Математика"), school.staff["Математова"].id, 2),
        ],
    )
    assert iup.kind is GroupKind.INDIVIDUAL and iup.name == "ИУП: Аксёнов Иван (7А)"
    english = school.sid(ENGLISH)
    assert groups.group_of_student_on(session, pupil, english, START).id == group1.id
    assert groups.group_of_student_on(session, pupil, english, MOVE).id == iup.id
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert info.splits[0].unplaced == []  # exempt, not "not in a group"
    assert info.table()[0][ENGLISH] == "ИУП"
    rows = groups.teachers_of_student(session, actor, student_id=pupil, on=MOVE)
    assert {r.subject: r.kind for r in rows}[ENGLISH] is GroupKind.INDIVIDUAL
    with pytest.raises(DomainError, match="уже есть индивидуальный"):
        groups.create_individual_plan(
            session,
            actor,
            student_id=pupil,
            class_id=school.class7.id,
            on=MOVE,
            subjects=[groups.IndividualSubject(english, school.staff["Англова"].id, 1.0)],
        )
    with pytest.raises(DomainError, match="нет предмета"):
        groups.create_individual_plan(
            session,
            actor,
            student_id=school.students7[1].id,
            class_id=school.class7.id,
            on=MOVE,
            subjects=[groups.IndividualSubject(english, school.staff["Физрукова"].id, 1.0)],
        )


def test_deputy_creates_a_cross_class_stream(session, school):
    deputy = act(session, "zavuch")
    members = [school.students7[0].id, school.students8[0].id]
    math = school.sid("Математика")
    kwargs = dict(
        subject_id=math, teacher_id=school.staff["Математова"].id, hours_per_week=2.0, on=START
    )
    with pytest.raises(DomainError, match="нескольких классов"):
        groups.create_stream(session, deputy, name="Профиль", student_ids=members[:1], **kwargs)
    with pytest.raises(DomainError, match="пуст"):
        groups.create_stream(session, deputy, name="Профиль", student_ids=[], **kwargs)
    with pytest.raises(PermissionDenied):
        groups.create_stream(
            session, act(session, "kl7"), name="Профиль", student_ids=members, **kwargs
        )
    stream = groups.create_stream(
        session, deputy, name="7-8А: Математика, профиль", student_ids=members, **kwargs
    )
    assert stream.class_id is None and stream.kind is GroupKind.STREAM
    assert groups.group_of_student_on(session, members[1], math, START).id == stream.id
    rows = groups.teachers_of_student(
        session, act(session, "zhukov"), student_id=members[1], on=START
    )
    assert {r.subject: r.group for r in rows}["Математика"] == "7-8А: Математика, профиль"
    listed = groups.list_streams(session, deputy, on=START)
    assert [(s.name, len(s.student_ids)) for s in listed] == [("7-8А: Математика, профиль", 2)]
    with pytest.raises(DomainError, match="уже есть"):
        groups.create_stream(
            session, deputy, name="7-8а: математика, профиль", student_ids=members, **kwargs
        )


def test_deleting_a_stream_leaves_every_deleted_row_in_the_audit_log(session, school):
    deputy = act(session, "zavuch")
    members = [school.students7[0].id, school.students8[0].id]
    stream = groups.create_stream(
        session,
        deputy,
        name="7-8А: Математика, профиль",
        subject_id=school.sid("Математика"),
        teacher_id=school.staff["Математова"].id,
        hours_per_week=2.0,
        student_ids=members,
        on=START,
    )
    load_ids = set(
        session.scalars(
            select(TeachingAssignment.id).where(TeachingAssignment.group_id == stream.id)
        )
    )
    membership_ids = set(
        session.scalars(select(GroupMembership.id).where(GroupMembership.group_id == stream.id))
    )
    stream_id = stream.id

    groups.delete_stream(session, deputy, group_id=stream_id)

    deleted = session.execute(
        select(AuditLog.entity, AuditLog.entity_id, AuditLog.actor_login).where(
            AuditLog.operation == "delete"
        )
    ).all()
    assert set(deleted) == {
        ("study_group", str(stream_id), "zavuch"),
        *(("teaching_assignment", str(i), "zavuch") for i in load_ids),
        *(("group_membership", str(i), "zavuch") for i in membership_ids),
    }
    assert len(membership_ids) == 2 and len(load_ids) == 1
    assert session.get(StudyGroup, stream_id) is None


def test_two_sessions_splitting_one_subject_at_once_give_one_split(factory):
    with unit_of_work(factory, SYSTEM) as session:
        school = build_school(session)
        teacher = actor_of(session, "kl7")
        ids = [s.id for s in school.students7]

    def split(suffix):
        plan = english_plan(
            school, ids[:3], ids[3:], name1=f"Англ. {suffix}1", name2=f"Англ. {suffix}2"
        )

        def write(session, _seen):
            return groups.create_splits(
                session, teacher, class_id=school.class7.id, plans=[plan], on=START
            )

        return write

    results = run_together(factory, [(teacher, lambda _s: None, split(n)) for n in "АБ"])
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and "уже разделён" in str(refused[0]), results
    with unit_of_work(factory, SYSTEM) as session:
        assert _group_count(session) == 2
