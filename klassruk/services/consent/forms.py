"""Printed consent forms, pre-filled for one guardian or all not asked yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.errors import PermissionDenied
from klassruk.models.consent import (
    ConsentState,
    ConsentSubject,
)
from klassruk.services.consent.register import class_consent
from klassruk.services.scope.classes import OUT_OF_SCOPE


@dataclass(frozen=True)
class ConsentForm:
    """What a printed consent form is pre-filled with for one guardian."""

    guardian: str
    children: tuple[str, ...]
    class_name: str


def consent_forms(
    session: Session, actor: Actor, *, class_id: int, on: date, guardian_id: int | None = None
) -> list[ConsentForm]:
    """The form of one guardian, or of every guardian of the class not asked yet."""
    board = class_consent(session, actor, class_id=class_id, on=on)
    if guardian_id is not None:
        if not any(row.guardian_id == guardian_id for row in board.rows):
            raise PermissionDenied(OUT_OF_SCOPE)
        chosen = [guardian_id]
    else:
        chosen = list(dict.fromkeys(
            row.guardian_id for row in board.rows
            if row.guardian_id is not None and row.state is ConsentState.NOT_ASKED
        ))
    children: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for row in board.rows:
        if row.guardian_id in chosen:
            names[row.guardian_id] = row.person
            if row.subject is ConsentSubject.CHILD:
                children.setdefault(row.guardian_id, []).append(row.child)
    return [
        ConsentForm(names[g], tuple(children.get(g, [])), board.class_name) for g in chosen
    ]
