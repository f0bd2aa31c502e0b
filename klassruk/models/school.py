"""School structure: years, periods, holidays, classes, people, subjects, groups, load."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from klassruk.models.base import Base, UTCDateTime


def _enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    # Store the values (not the member names) and avoid native PG enums: easier migrations.
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )



def full_name(last_name: str, first_name: str, middle_name: str | None) -> str:
    """«Фамилия Имя Отчество», without the parts that are empty."""
    return " ".join(p for p in (last_name, first_name, middle_name) if p)

class SchoolYear(Base):
    """An academic year such as 2026/2027."""

    __tablename__ = "school_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    is_current: Mapped[bool] = mapped_column(default=False)
    # Set by the rollover: a closed year's journal is read-only for everyone.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_by: Mapped[str | None] = mapped_column(String(80), default=None)
    # From this day the accounts of the year's leavers (and of guardians of leavers only) block.
    leavers_block_on: Mapped[date | None] = mapped_column(default=None)
    # When they were blocked: once per year, so an account unblocked later stays unblocked.
    leavers_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    periods: Mapped[list[ReportingPeriod]] = relationship(
        back_populates="school_year", order_by="ReportingPeriod.starts_on"
    )
    holidays: Mapped[list[Holiday]] = relationship(order_by="Holiday.starts_on")

    __table_args__ = (CheckConstraint("starts_on < ends_on", name="dates_ordered"),)


class ReportingPeriod(Base):
    """A quarter, trimester or half-year; a closed period is frozen for teachers."""

    __tablename__ = "reporting_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    is_closed: Mapped[bool] = mapped_column(default=False)

    school_year: Mapped[SchoolYear] = relationship(back_populates="periods")

    __table_args__ = (
        UniqueConstraint("school_year_id", "name"),
        CheckConstraint("starts_on <= ends_on", name="dates_ordered"),
    )


class Holiday(Base):
    """School holidays (каникулы) or a public day off within a school year."""

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="dates_ordered"),)


class Staff(Base):
    """A member of staff: teacher, deputy head, administrator."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(100), default="Учитель")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()


class SchoolClass(Base):
    """A class such as 7А in one school year, with its class teacher."""

    __tablename__ = "school_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    grade: Mapped[int]
    letter: Mapped[str] = mapped_column(String(4))
    class_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # Безотметочное обучение (first graders): the journal keeps absences and topics, no marks.
    without_marks: Mapped[bool] = mapped_column(default=False, server_default=false())

    school_year: Mapped[SchoolYear] = relationship()
    class_teacher: Mapped[Staff | None] = relationship()

    __table_args__ = (
        UniqueConstraint("school_year_id", "grade", "letter"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),
    )

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


class Student(Base):
    """A student (обучающийся)."""

    __tablename__ = "student"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None]

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)


class Enrolment(Base):
    """A student's membership of a class over a date range (open-ended while current)."""

    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    student: Mapped[Student] = relationship()
    school_class: Mapped[SchoolClass] = relationship()


class Guardian(Base):
    """A parent or other legal representative (законный представитель)."""

    __tablename__ = "guardian"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)


class Relation(enum.StrEnum):
    """How a guardian is related to a student."""

    MOTHER = "mother"
    FATHER = "father"
    GUARDIAN = "guardian"
    OTHER = "other"


RELATION_TITLES: dict[Relation, str] = {
    Relation.MOTHER: "мать",
    Relation.FATHER: "отец",
    Relation.GUARDIAN: "опекун",
    Relation.OTHER: "иной законный представитель",
}


class GuardianLink(Base):
    """A guardian ↔ student link; many on both sides."""

    __tablename__ = "guardian_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    relation: Mapped[Relation] = mapped_column(_enum(Relation, "relation"))
    # The day the guardian stopped representing the child: the cabinet shows nothing from then.
    ends_on: Mapped[date | None]

    guardian: Mapped[Guardian] = relationship()
    student: Mapped[Student] = relationship()

    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)


class Subject(Base):
    """A school subject."""

    __tablename__ = "subject"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(30))


class GroupKind(enum.StrEnum):
    """What a study group is."""

    WHOLE_CLASS = "whole_class"
    SUBGROUP = "subgroup"
    STREAM = "stream"
    INDIVIDUAL = "individual"


class StudyGroup(Base):
    """Students taught together: a whole class, a subgroup, a cross-class stream, one student."""

    __tablename__ = "study_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    # Null for streams, which span several classes.
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"), index=True)
    # Null for the whole-class group, which serves every subject not split.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), index=True)
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind, "group_kind"))
    name: Mapped[str] = mapped_column(String(150))

    school_class: Mapped[SchoolClass | None] = relationship()
    subject: Mapped[Subject | None] = relationship()

    __table_args__ = (UniqueConstraint("school_year_id", "name"),)


class GroupMembership(Base):
    """A student in a study group over a date range; moves close one row and open another."""

    __tablename__ = "group_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    group: Mapped[StudyGroup] = relationship()
    student: Mapped[Student] = relationship()


class TeachingAssignment(Base):
    """Teaching load: a teacher teaches a subject to a group for so many hours a week."""

    __tablename__ = "teaching_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id"), index=True)
    hours_per_week: Mapped[float] = mapped_column(default=1.0)

    staff: Mapped[Staff] = relationship()
    subject: Mapped[Subject] = relationship()
    group: Mapped[StudyGroup] = relationship()

    __table_args__ = (
        UniqueConstraint("subject_id", "group_id"),
        CheckConstraint("hours_per_week > 0", name="hours_positive"),
    )
