"""What the load holds, as the teaching-load tests compare it."""

from __future__ import annotations

from sqlalchemy import func, select

from klassruk.models.school import TeachingAssignment
from klassruk.services.teaching_load.table import teaching_load


def assignment_count(session) -> int:
    """How many teaching assignments there are."""
    return session.scalar(select(func.count()).select_from(TeachingAssignment))


def load_rows(session, actor) -> set[tuple[str, str, str, float]]:
    """The load as (target, subject, teacher, hours) rows."""
    return {
        (r.target, r.subject, r.teacher, r.hours_per_week)
        for r in teaching_load(session, actor)
    }
