"""Guardian ↔ child links: ending one when a guardian stops representing the child."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.audit.log import audit_context
from klassruk.errors import DomainError
from klassruk.models.school import GuardianLink
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.scope.students import require_student_scope
from klassruk.text.formatting import format_date
from klassruk.text.policy import required_reason


@read_modify_write("the link row locked before «already ended» is checked")
def end_guardian_link(
    session: Session,
    actor: Actor,
    *,
    guardian_id: int,
    student_id: int,
    ends_on: date,
    reason: str,
    on: date,
) -> GuardianLink:
    """From `ends_on` the guardian sees nothing of the child; the reason goes to the audit log.

    The class teacher of the child's class or an administrator; a link ends once.
    """
    require_student_scope(session, actor, student_id, Action.END_GUARDIAN_LINK, on=on)
    cleaned = required_reason(
        reason, missing="Укажите причину: например, решение суда или заявление родителя."
    )
    link = session.scalar(
        select(GuardianLink).where(
            GuardianLink.guardian_id == guardian_id, GuardianLink.student_id == student_id
        )
    )
    if link is None:
        raise DomainError("Этот родитель не связан с этим ребёнком.")
    # Ended twice at once: the second waits here, then sees the end the first one set.
    (link,) = lock_rows(session, GuardianLink, [link.id])
    if link.ends_on is not None:
        raise DomainError(f"Связь уже прекращена с {format_date(link.ends_on)}.")
    link.ends_on = ends_on
    with audit_context(session, reason=f"Прекращение связи с ребёнком: {cleaned}"):
        session.flush()
    return link
