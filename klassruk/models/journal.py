"""The journal: timetable, lessons and their changes, grades with history, absences, tests."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.school import Staff, StudyGroup, Subject, _enum


class GradeKind(enum.StrEnum):
    """What a grade was given for; each kind has a default weight in the weighted average."""

    CLASSWORK = "classwork"
    HOMEWORK = "homework"
    ORAL = "oral"
    INDEPENDENT = "independent"
    TEST = "test"


GRADE_KIND_TITLES: dict[GradeKind, str] = {
    GradeKind.CLASSWORK: "работа на уроке",
    GradeKind.HOMEWORK: "домашняя работа",
    GradeKind.ORAL: "устный ответ",
    GradeKind.INDEPENDENT: "самостоятельная работа",
    GradeKind.TEST: "контрольная работа",
}

# Default weights (Σ value·weight / Σ weight); a grade keeps its own weight once given.
GRADE_KIND_WEIGHTS: dict[GradeKind, float] = {
    GradeKind.CLASSWORK: 1.0,
    GradeKind.HOMEWORK: 1.0,
    GradeKind.ORAL: 1.0,
    GradeKind.INDEPENDENT: 1.5,
    GradeKind.TEST: 2.0,
}

# One-letter suffixes used in the journal grid: «5» classwork, «4д» homework, «5к» test…
GRADE_KIND_SUFFIXES: dict[GradeKind, str] = {
    GradeKind.CLASSWORK: "",
    GradeKind.HOMEWORK: "д",
    GradeKind.ORAL: "у",
    GradeKind.INDEPENDENT: "с",
    GradeKind.TEST: "к",
}


class AbsenceMark(enum.StrEnum):
    """Why a student missed (part of) a lesson; the value is the journal mark itself."""

    ABSENT = "Н"
    ILL = "Б"
    EXCUSED = "УП"
    LATE = "ОП"


# Nouns, as e-diaries name the marks: a verb («болел(а)») would have to agree with each pupil.
ABSENCE_TITLES: dict[AbsenceMark, str] = {
    AbsenceMark.ABSENT: "отсутствие",
    AbsenceMark.ILL: "болезнь",
    AbsenceMark.EXCUSED: "уважительная причина",
    AbsenceMark.LATE: "опоздание",
}


class LessonStatus(enum.StrEnum):
    """Whether a lesson takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class LessonChangeKind(enum.StrEnum):
    """A change announced to families."""

    SUBSTITUTION = "substitution"
    MOVE = "move"
    CANCELLATION = "cancellation"


LESSON_CHANGE_TITLES: dict[LessonChangeKind, str] = {
    LessonChangeKind.SUBSTITUTION: "замена учителя",
    LessonChangeKind.MOVE: "перенос урока",
    LessonChangeKind.CANCELLATION: "отмена урока",
}


class TimetableSlot(Base):
    """A weekly timetable entry: on weekday N, lesson number M, a group has a subject."""

    __tablename__ = "timetable_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 1 = Monday … 6 = Saturday
    lesson_number: Mapped[int] = mapped_column(SmallInteger)
    room: Mapped[str | None] = mapped_column(String(20))

    group: Mapped[StudyGroup] = relationship()
    subject: Mapped[Subject] = relationship()
    staff: Mapped[Staff] = relationship()

    __table_args__ = (
        UniqueConstraint("group_id", "weekday", "lesson_number"),
        # A teacher gives one lesson at a time (also across subgroups: they are groups too).
        Index(
            "uq_timetable_slot_teacher_time",
            "school_year_id",
            "staff_id",
            "weekday",
            "lesson_number",
            unique=True,
        ),
        CheckConstraint("weekday BETWEEN 1 AND 6", name="weekday_range"),
        CheckConstraint("lesson_number BETWEEN 0 AND 10", name="lesson_number_range"),
    )


class Lesson(Base):
    """One lesson on a date; the grades and absences of the journal hang on it."""

    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    lesson_date: Mapped[date]
    number: Mapped[int] = mapped_column(SmallInteger)
    room: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[LessonStatus] = mapped_column(
        _enum(LessonStatus, "lesson_status"), default=LessonStatus.SCHEDULED
    )
    topic: Mapped[str | None] = mapped_column(String(500))
    homework: Mapped[str | None] = mapped_column(String(1000))
    # Where the lesson came from: generation is idempotent per (slot, planned date).
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("timetable_slot.id", ondelete="SET NULL")
    )
    planned_on: Mapped[date | None]

    group: Mapped[StudyGroup] = relationship()
    subject: Mapped[Subject] = relationship()
    staff: Mapped[Staff] = relationship()

    __table_args__ = (
        UniqueConstraint("slot_id", "planned_on"),
        Index("ix_lesson_group_subject_date", "group_id", "subject_id", "lesson_date"),
        Index("ix_lesson_date", "lesson_date"),
    )


class LessonChange(Base):
    """A substitution, move or cancellation, with when it was announced (kept for families)."""

    __tablename__ = "lesson_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LessonChangeKind] = mapped_column(_enum(LessonChangeKind, "lesson_change_kind"))
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    announced_by: Mapped[str] = mapped_column(String(100))
    old_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    new_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    old_date: Mapped[date | None]
    new_date: Mapped[date | None]
    old_number: Mapped[int | None] = mapped_column(SmallInteger)
    new_number: Mapped[int | None] = mapped_column(SmallInteger)
    reason: Mapped[str | None] = mapped_column(String(500))

    lesson: Mapped[Lesson] = relationship()


class Grade(Base):
    """A grade 1–5 for a student in a lesson; a lesson may carry several per student."""

    __tablename__ = "grade"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    value: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[GradeKind] = mapped_column(_enum(GradeKind, "grade_kind"))
    weight: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
        CheckConstraint("weight > 0", name="weight_positive"),
        # The class summary and the student card read a student's grades, then their lessons.
        Index("ix_grade_student_lesson", "student_id", "lesson_id"),
    )


class GradeChange(Base):
    """History of a changed or deleted grade: old → new, who, when, why."""

    __tablename__ = "grade_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No FK to grade: the history outlives a deleted grade.
    grade_id: Mapped[int] = mapped_column(index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    old_value: Mapped[int] = mapped_column(SmallInteger)
    old_kind: Mapped[GradeKind] = mapped_column(_enum(GradeKind, "grade_kind"))
    new_value: Mapped[int | None] = mapped_column(SmallInteger)  # None: deleted
    new_kind: Mapped[GradeKind | None] = mapped_column(_enum(GradeKind, "grade_kind"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(500))


class PeriodGradeChange(Base):
    """History of a changed or removed period grade: old → new, who, when, why."""

    __tablename__ = "period_grade_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    old_value: Mapped[int] = mapped_column(SmallInteger)
    new_value: Mapped[int | None] = mapped_column(SmallInteger)  # None: removed
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(500))


class Absence(Base):
    """An absence mark (Н, Б, УП, ОП) of a student in a lesson."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    mark: Mapped[AbsenceMark] = mapped_column(_enum(AbsenceMark, "absence_mark"))

    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id"),
        Index("ix_absence_student_lesson", "student_id", "lesson_id"),
    )


class PlannedTest(Base):
    """A test (контрольная работа) planned for a group on a date, shown to families."""

    __tablename__ = "planned_test"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    planned_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    # A changed test stays visible to families as changed: a move keeps the first date, a
    # cancellation keeps the row (never deleted) with when and why.
    moved_from: Mapped[date | None] = mapped_column(default=None)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    changed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(300), default=None)


class PeriodGrade(Base):
    """A student's grade in a subject for a reporting period."""

    __tablename__ = "period_grade"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id"))
    value: Mapped[int] = mapped_column(SmallInteger)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    set_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("period_id", "student_id", "subject_id"),
        CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
    )


class Recommendation(Base):
    """A teacher's recommendation to a student (later visible to the family)."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
