"""Messages and helpers the journal's services share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.errors import DomainError
from klassruk.models.school import SchoolClass, StudyGroup

REASON_NEEDED = "Укажите причину: изменяются или удаляются уже выставленные оценки."
MAX_ERRORS_SHOWN = 5


CONFLICT = (
    "Пока вы редактировали, это изменили в другом сеансе, и ничего не сохранено. "
    "Журнал обновлён; остальные ваши изменения остались на экране — проверьте и сохраните "
    "ещё раз:\n"
)
FUTURE = "оценки и отметки о пропусках ставят не раньше дня урока (сегодня {today})."


def without_marks_note(class_name: str) -> str:
    """What a class taught without marks shows instead of averages (безотметочное обучение)."""
    return (
        f"В {class_name} классе безотметочное обучение: отметки не ставятся, поэтому средних "
        "баллов, успеваемости и качества знаний нет. Пропуски уроков учитываются как обычно."
    )


def require_marks_allowed(session: Session, group_id: int) -> None:
    """Refuse marks in a class taught without them (безотметочное обучение)."""
    row = session.execute(
        select(SchoolClass.grade, SchoolClass.letter)
        .join(StudyGroup, StudyGroup.class_id == SchoolClass.id)
        .where(StudyGroup.id == group_id, SchoolClass.without_marks)
    ).first()
    if row is not None:
        raise DomainError(
            f"В {row.grade}{row.letter} классе безотметочное обучение: оценки не ставятся "
            "(пропуски, темы и домашние задания ведутся как обычно)."
        )


def _bullets(lines: list[str]) -> str:
    text = "\n".join(f"• {line}" for line in lines[:MAX_ERRORS_SHOWN])
    more = len(lines) - MAX_ERRORS_SHOWN
    return text + (f"\n• …и ещё: {more}" if more > 0 else "")
