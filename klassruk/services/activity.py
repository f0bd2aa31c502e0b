"""The activity log: what users did that is not a data change."""

from __future__ import annotations

from sqlalchemy.orm import Session

from klassruk.models import ActivityLog


def record_activity(
    session: Session,
    *,
    event: str,
    login: str,
    user_id: int | None = None,
    detail: str | None = None,
    session_id: str | None = None,
) -> None:
    """Append one activity row."""
    session.add(
        ActivityLog(
            event=event, login=login[:80], user_id=user_id, detail=detail, session_id=session_id
        )
    )
