"""The school's subjects and staff as the load's pickers offer them."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError
from klassruk.models.school import Staff, Subject
from klassruk.services.locking import lock_name, read_modify_write
from klassruk.services.teaching_load.common import LOAD_LOCK, fold


def list_subjects(session: Session, actor: Actor) -> list[Subject]:
    """Every subject, by name."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    return list(session.scalars(select(Subject).order_by(Subject.name)))


@read_modify_write("a transaction lock before the folded names are compared")
def add_subject(session: Session, actor: Actor, *, name: str, short_name: str = "") -> Subject:
    """Add a subject to the school's list."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        raise DomainError("Укажите название предмета.")
    # Names are compared folded (in Python), which no unique index expresses: one at a time.
    lock_name(session, LOAD_LOCK)
    if any(fold(s.name) == fold(name) for s in session.scalars(select(Subject))):
        raise DomainError(f"Предмет «{name}» уже есть.")
    subject = Subject(name=name, short_name=(short_name.strip() or name)[:30])
    session.add(subject)
    session.flush()
    return subject


def staff_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """All staff by name, for pickers."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    return [
        (s.id, s.full_name)
        for s in session.scalars(select(Staff).order_by(Staff.last_name, Staff.first_name))
    ]
