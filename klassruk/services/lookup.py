"""Fetching a row by id with a clear Russian message when it is missing."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from klassruk.errors import NotFound

Row = TypeVar("Row")


def get_or_404(session: Session, model: type[Row], ident: int, message: str) -> Row:
    """The row of `model` with this id, or NotFound(message)."""
    row = session.get(model, ident)
    if row is None:
        raise NotFound(message)
    return row
