"""The Russian school metrics, defined once for every report."""

# A pupil's **mark** in a subject for a reporting period is the period grade (четвертная,
# триместровая отметка) when the teacher has set it; until then it is the current weighted
# average (Σ отметка·вес / Σ вес) rounded as schools round it: from 4,5 → «5», from 3,5 → «4»,
# from 2,5 → «3», from 1,5 → «2», below → «1». A pupil with neither is «не аттестован» and is
# not counted (N counts only pupils with a mark).
#
# Per subject, over the N marks of the class (n5 … n1 — how many «5» … «1»):
#
# - **успеваемость** = (n5 + n4 + n3) / N · 100 % — share of marks without «2» and «1»;
# - **качество знаний** = (n5 + n4) / N · 100 % — share of «4» and «5»;
# - **СОУ** (степень обученности) = (1·n5 + 0,64·n4 + 0,36·n3 + 0,16·n2 + 0,08·n1) / N · 100 %;
# - **средний балл** = (5·n5 + 4·n4 + 3·n3 + 2·n2 + 1·n1) / N, to two decimals.
#
# For the class overall, успеваемость and качество count **pupils**: the share of pupils with a
# mark whose marks in every subject are «3» or better (успеваемость), «4» or better (качество);
# СОУ and средний балл are taken over all the marks of the class. Pupils by their marks:
# **отличники** — only «5»; **хорошисты** — only «4» and «5», at least one «4» (those **с одной
# «4»** are listed again apart); **с одной «3»** — one «3», the rest «4» and «5»;
# **неуспевающие** — at least one «2» or «1». Percentages are shown to one decimal.

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, literal, null, select, union_all
from sqlalchemy.sql.selectable import CTE

from klassruk.models.journal import Grade, Lesson, PeriodGrade
from klassruk.models.school import ReportingPeriod

# The footnotes every report prints under its tables: the definitions above, in Russian.
FOOTNOTES: tuple[str, ...] = (
    "Отметка за период — четвертная (триместровая) отметка, а пока она не выставлена — "
    "текущий средневзвешенный балл, округлённый по правилу: от 4,5 — «5», от 3,5 — «4», "
    "от 2,5 — «3», от 1,5 — «2». Обучающиеся без отметок не аттестованы и в N не входят.",
    "Успеваемость = (n5 + n4 + n3) / N × 100 %: доля отметок «3», «4» и «5».",
    "Качество знаний = (n5 + n4) / N × 100 %: доля отметок «4» и «5».",
    "СОУ (степень обученности) = (1·n5 + 0,64·n4 + 0,36·n3 + 0,16·n2 + 0,08·n1) / N × 100 %.",
    "Средний балл = (5·n5 + 4·n4 + 3·n3 + 2·n2 + 1·n1) / N, с точностью до сотых.",
    "По классу в целом успеваемость и качество считаются по обучающимся (все отметки не ниже "
    "«3» / не ниже «4»), СОУ и средний балл — по всем отметкам класса.",
    "Отличники — только «5»; хорошисты — только «4» и «5», хотя бы одна «4» (с одной «4» — "
    "отдельный список из их числа); с одной «3» — одна «3», остальные «4» и «5»; "
    "неуспевающие — хотя бы одна «2» или «1».",
)

SOU_WEIGHTS: dict[int, float] = {5: 1.0, 4: 0.64, 3: 0.36, 2: 0.16, 1: 0.08}


@dataclass(frozen=True)
class MarkCounts:
    """How many marks of each value: n5 … n1."""

    n5: int = 0
    n4: int = 0
    n3: int = 0
    n2: int = 0
    n1: int = 0

    @property
    def total(self) -> int:
        return self.n5 + self.n4 + self.n3 + self.n2 + self.n1

    def of(self, value: int) -> int:
        """The count of one value."""
        return int(getattr(self, f"n{value}"))

    def __add__(self, other: MarkCounts) -> MarkCounts:
        return MarkCounts(*(self.of(v) + other.of(v) for v in (5, 4, 3, 2, 1)))

    @classmethod
    def tally(cls, marks: Iterable[int]) -> MarkCounts:
        """The counts of these marks (the per-pupil, per-subject results of `period_marks`)."""
        found = dict.fromkeys((5, 4, 3, 2, 1), 0)
        for mark in marks:
            found[mark] += 1
        return cls(*found.values())


@dataclass(frozen=True)
class Metrics:
    """успеваемость, качество, СОУ (percent, one decimal), средний балл (two decimals), N."""

    counted: int
    success: float | None
    quality: float | None
    sou: float | None
    average: float | None


def _percent(part: float, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole * 100, 1)


def format_percent(value: float | None) -> str:
    """A percentage with one decimal and the decimal comma («66,7 %»), or a dash."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + "\u00a0%"


def metrics_of(counts: MarkCounts) -> Metrics:
    """The metrics of a set of marks (a subject of a class, or all marks of a class)."""
    total = counts.total
    if total == 0:
        return Metrics(0, None, None, None, None)
    weighted = sum(SOU_WEIGHTS[v] * counts.of(v) for v in (5, 4, 3, 2, 1))
    points = sum(v * counts.of(v) for v in (5, 4, 3, 2, 1))
    return Metrics(
        counted=total,
        success=_percent(counts.n5 + counts.n4 + counts.n3, total),
        quality=_percent(counts.n5 + counts.n4, total),
        sou=_percent(weighted, total),
        average=round(points / total, 2),
    )


def class_metrics(pupils: Iterable[MarkCounts]) -> Metrics:
    """Overall: success and quality by pupils, СОУ and average by all their marks."""
    marked = [counts for counts in pupils if counts.total]
    every = sum(marked, MarkCounts())
    by_marks = metrics_of(every)
    return Metrics(
        counted=len(marked),
        success=_percent(sum(1 for c in marked if c.n2 + c.n1 == 0), len(marked)),
        quality=_percent(sum(1 for c in marked if c.n3 + c.n2 + c.n1 == 0), len(marked)),
        sou=by_marks.sou,
        average=by_marks.average,
    )


@dataclass(frozen=True)
class Standing:
    """Where a pupil stands by their period marks (the lists of the report)."""

    excellent: bool
    good: bool
    one_four: bool
    one_three: bool
    failing: bool


def standing_of(counts: MarkCounts) -> Standing:
    """The lists a pupil belongs to (see the definitions at the top of this module)."""
    low = counts.n2 + counts.n1
    has_marks = counts.total > 0
    return Standing(
        excellent=has_marks and counts.n5 == counts.total,
        good=has_marks and low == 0 and counts.n3 == 0 and counts.n4 > 0,
        one_four=has_marks and low == 0 and counts.n3 == 0 and counts.n4 == 1,
        one_three=low == 0 and counts.n3 == 1,
        failing=low > 0,
    )


def rounded_mark(average: Any) -> Any:
    """SQL: a weighted average rounded to a mark the way schools round it (half up)."""
    return case(
        (average >= 4.5, 5), (average >= 3.5, 4), (average >= 2.5, 3), (average >= 1.5, 2),
        else_=1,
    )


def weighted_average() -> Any:
    """SQL: Σ value·weight / Σ weight of the grades in the group."""
    return func.sum(Grade.value * Grade.weight) / func.sum(Grade.weight)


def of_pupils(column: Any, students: Select[Any], *, many: bool) -> Any:
    """SQL: `column IN (students)`; for many pupils written so it uses no index on the pupil.

    For a whole school SQLite then reads the period's lessons by date and their grades by
    lesson (3× faster than seeking every pupil's year of grades and dropping most by date);
    for one class the pupil's index is the faster way. `+ 0` changes nothing else.
    """
    return (column + 0).in_(students) if many else column.in_(students)


def period_marks(students: Select[Any], period: ReportingPeriod, *, many: bool = False) -> CTE:
    """SQL CTE (student_id, subject_id, mark, average, period_grade, points, weights).

    Per pupil and subject; points and weights are Σ value·weight and Σ weight of the grades.
    `many`: the pupils of many classes (see `of_pupils`).

    The mark is the period grade when set, else the rounded weighted average of the period.
    One GROUP BY over the grades and period grades together: a join of the two aggregates had
    SQLite compare every pair (a FULL JOIN gets no automatic index), minutes for a school.
    """
    facts = union_all(
        select(
            Grade.student_id.label("student_id"),
            Lesson.subject_id.label("subject_id"),
            (Grade.value * Grade.weight).label("points"),
            Grade.weight.label("weight"),
            null().label("final"),
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(of_pupils(Grade.student_id, students, many=many),
               Lesson.lesson_date.between(period.starts_on, period.ends_on)),
        select(
            PeriodGrade.student_id,
            PeriodGrade.subject_id,
            literal(0.0),
            literal(0.0),
            PeriodGrade.value,
        ).where(PeriodGrade.period_id == period.id, PeriodGrade.student_id.in_(students)),
    ).subquery()
    average = func.sum(facts.c.points) / func.nullif(func.sum(facts.c.weight), 0)
    final = func.max(facts.c.final)
    return (
        select(
            facts.c.student_id,
            facts.c.subject_id,
            func.coalesce(final, rounded_mark(average)).label("mark"),
            average.label("average"),
            final.label("period_grade"),
            func.sum(facts.c.points).label("points"),
            func.sum(facts.c.weight).label("weights"),
        )
        .group_by(facts.c.student_id, facts.c.subject_id)
        .cte("period_marks")
    )
