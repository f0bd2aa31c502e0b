"""A tiny school for roster and credentials tests: 7А and 7Б with their class teachers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from klassruk.access.permissions import Role
from klassruk.models.school import (
    Enrolment,
    Guardian,
    GuardianLink,
    Relation,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
)
from tests.factories import make_account

ON = date(2026, 10, 1)
TEACHER_A = "klassruk.a"
TEACHER_B = "klassruk.b"
ADMIN = "admin"
SCHOOL_GUARDIAN = "roditel.g"


@dataclass
class TinySchool:
    """Ids of what the tests touch."""

    class_a: int
    class_b: int
    petr: int
    anna: int
    ilya: int
    maria: int
    sergey: int
    lonely: int


def build_school(session: Session, *, with_people: bool = True) -> TinySchool:
    """Year, two classes with teachers and accounts; optionally students and guardians."""
    year = SchoolYear(
        name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31), is_current=True
    )
    teacher_a = Staff(last_name="Соколова", first_name="Ирина", middle_name="Павловна")
    teacher_b = Staff(last_name="Белов", first_name="Андрей", middle_name="Ильич")
    admin = Staff(last_name="Орлов", first_name="Глеб", position="Администратор")
    session.add_all([year, teacher_a, teacher_b, admin])
    session.flush()
    y = year.id
    class_a = SchoolClass(school_year_id=y, grade=7, letter="А", class_teacher_id=teacher_a.id)
    class_b = SchoolClass(school_year_id=y, grade=7, letter="Б", class_teacher_id=teacher_b.id)
    session.add_all([class_a, class_b])
    session.flush()
    make_account(session, TEACHER_A, {Role.TEACHER, Role.CLASS_TEACHER}, staff_id=teacher_a.id)
    make_account(session, TEACHER_B, {Role.TEACHER, Role.CLASS_TEACHER}, staff_id=teacher_b.id)
    make_account(session, ADMIN, {Role.ADMIN}, staff_id=admin.id)
    ids = dict.fromkeys(("petr", "anna", "ilya", "maria", "sergey", "lonely"), 0)
    if with_people:
        petr = Student(last_name="Иванов", first_name="Пётр", birth_date=date(2013, 3, 4))
        anna = Student(last_name="Иванова", first_name="Анна", birth_date=date(2013, 11, 20))
        ilya = Student(last_name="Иванов", first_name="Илья", birth_date=date(2013, 1, 9))
        maria = Guardian(
            last_name="Иванова", first_name="Мария", middle_name="Сергеевна", phone="+79123456789"
        )
        sergey = Guardian(last_name="Иванов", first_name="Сергей", middle_name="Петрович")
        lonely = Guardian(last_name="Одинокова", first_name="Вера")
        session.add_all([petr, anna, ilya, maria, sergey, lonely])
        session.flush()
        session.add_all(
            [
                Enrolment(student_id=petr.id, class_id=class_a.id, starts_on=date(2026, 9, 1)),
                Enrolment(student_id=anna.id, class_id=class_a.id, starts_on=date(2026, 9, 1)),
                Enrolment(student_id=ilya.id, class_id=class_b.id, starts_on=date(2026, 9, 1)),
                GuardianLink(guardian_id=maria.id, student_id=petr.id, relation=Relation.MOTHER),
                GuardianLink(guardian_id=maria.id, student_id=anna.id, relation=Relation.MOTHER),
                GuardianLink(guardian_id=maria.id, student_id=ilya.id, relation=Relation.MOTHER),
                GuardianLink(guardian_id=sergey.id, student_id=petr.id, relation=Relation.FATHER),
            ]
        )
        session.flush()
        ids = {
            "petr": petr.id, "anna": anna.id, "ilya": ilya.id,
            "maria": maria.id, "sergey": sergey.id, "lonely": lonely.id,
        }
    return TinySchool(class_a=class_a.id, class_b=class_b.id, **ids)
