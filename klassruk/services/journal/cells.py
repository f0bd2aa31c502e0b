"""Grades as the grid shows them: «5 4д», «Н», «ОП 5к»; weights and averages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from klassruk.errors import DomainError
from klassruk.models.journal import (
    GRADE_KIND_SUFFIXES,
    GRADE_KIND_TITLES,
    GRADE_KIND_WEIGHTS,
    AbsenceMark,
    GradeKind,
)
from klassruk.text.formatting import format_number

_SUFFIX_KIND = {suffix: kind for kind, suffix in GRADE_KIND_SUFFIXES.items()}
_GRADE_TOKEN = re.compile(r"^([1-5])([" + "".join(s for s in _SUFFIX_KIND if s) + r"]?)$")
_ABSENCE_BY_TEXT = {mark.value: mark for mark in AbsenceMark}
BAD_TOKEN = (
    "«{token}» — не оценка и не отметка: допустимы целые оценки от 1 до 5 "
    "(с буквой вида работы: д — домашняя, у — устный ответ, с — самостоятельная, "
    "к — контрольная) и отметки Н, Б, УП, ОП."
)


def weighted_average(grades: Iterable[tuple[int, float]]) -> float | None:
    """Σ(value·weight) / Σ(weight) over (value, weight) pairs; None without grades."""
    total = weight_sum = 0.0
    for value, weight in grades:
        total += value * weight
        weight_sum += weight
    return round(total / weight_sum, 2) if weight_sum else None


def default_weight(kind: GradeKind) -> float:
    """The weight a new grade of this kind gets."""
    return GRADE_KIND_WEIGHTS[kind]


@dataclass(frozen=True)
class Cell:
    """The parsed content of one grid cell."""

    grades: tuple[tuple[int, GradeKind], ...] = ()
    absence: AbsenceMark | None = None


def parse_cell(text: str | None) -> Cell:
    """Parse «5 4д», «Н», «ОП 5к»; raise DomainError naming the first bad token."""
    if text is None:
        return Cell()
    # Only an empty cell is empty: «nan», «None», «null» typed in a cell are not marks (the
    # grid turns the editor's own empty values into "" before they get here).
    text = str(text).strip()
    if not text:
        return Cell()
    grades: list[tuple[int, GradeKind]] = []
    absence: AbsenceMark | None = None
    for token in re.split(r"[\s,;]+", text):
        if not token:
            continue
        upper = token.upper()
        if upper in _ABSENCE_BY_TEXT:
            if absence is not None:
                raise DomainError("В одной клетке может быть только одна отметка о пропуске.")
            absence = _ABSENCE_BY_TEXT[upper]
            continue
        match = _GRADE_TOKEN.match(token.lower())
        if match is None:
            raise DomainError(BAD_TOKEN.format(token=token))
        grades.append((int(match.group(1)), _SUFFIX_KIND[match.group(2)]))
    return Cell(tuple(grades), absence)


def format_cell(
    grades: Iterable[tuple[int, GradeKind | None]], absence: AbsenceMark | None
) -> str:
    """The text of a grid cell: the absence mark first, then the grades in order."""
    parts = [absence.value] if absence else []
    parts += [f"{value}{GRADE_KIND_SUFFIXES[kind] if kind else ''}" for value, kind in grades]
    return " ".join(parts)


def _normal(text: str | None) -> str:
    """A cell's text as the grid shows it, so «4 5» typed and «4 5» read compare equal."""
    try:
        cell = parse_cell(text)
    except DomainError:
        return (text or "").strip()
    return format_cell(cell.grades, cell.absence)


GRADE_KIND_HELP = ", ".join(
    f"{value}{GRADE_KIND_SUFFIXES[kind] or ''} — {GRADE_KIND_TITLES[kind]} "
    f"(вес {format_number(GRADE_KIND_WEIGHTS[kind])})"
    for kind, value in zip(GradeKind, (5, 4, 5, 4, 3), strict=True)
)
