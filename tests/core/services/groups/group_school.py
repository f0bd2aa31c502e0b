"""A small two-class school for the study-group tests, and the steps they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor, Role
from klassruk.models.school import (
    Enrolment,
    GroupKind,
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
from klassruk.services import groups
from klassruk.services.groups.proposals import GroupPlan, SplitMethod, SplitPlan
from tests.factories import give_consent, make_account

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
    give_consent(session, guardian.id, students7[1].id)
    make_account(session, "belov", {Role.STUDENT}, student_id=students7[1].id)
    make_account(session, "zhukov", {Role.STUDENT}, student_id=students8[0].id)
    session.flush()
    return School(year, class7, class8, subjects, staff, students7, students8)


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


def group_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(StudyGroup).where(StudyGroup.kind == GroupKind.SUBGROUP)
    )
