"""Matching the file's people with the database, only among the people in the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.models.school import Enrolment, Guardian, GuardianLink, SchoolClass, Student
from klassruk.services.roster.plans import PlannedGuardian
from klassruk.services.roster.rows import (
    GuardianData,
    StudentData,
    name_key,
)
from klassruk.services.scope.classes import (
    active_on,
    current_students_query,
    own_class_ids_query,
)
from klassruk.services.scope.links import guardians_in_scope_query


@dataclass(frozen=True)
class Known:
    """What the database already holds for the file's surnames, within the actor's scope."""

    by_key: dict[tuple[str, date], list[Student]]
    current_class: dict[int, SchoolClass]
    links_of: dict[int, list[GuardianLink]]
    by_contact: dict[tuple[str, str], Guardian]


def known_people(
    session: Session, actor: Actor, valid: list[tuple[StudentData, SchoolClass]], on: date
) -> Known:
    """The database's students and guardians the file's rows may mean, within the scope."""
    # A class teacher's import matches only people already in their scope: a pupil of their own
    # classes, a guardian of such a pupil. Anyone else is never linked on name + contact alone
    # (that handed another class's parent to whoever typed his name and phone), and a match
    # outside the scope is never described, so the import cannot look up other classes.
    school_wide = actor.is_school_wide_for(Action.IMPORT_ROSTER)
    reachable_guardians = (
        None if school_wide else set(session.scalars(guardians_in_scope_query(actor, on)))
    )
    by_key = _students_by_key(session, {d.last_name for d, _ in valid})
    if not school_wide:
        # Only the actor's own pupils are matched: whether a namesake exists in another class
        # must change nothing in the answer (a row that matches none is a new pupil).
        own = set(session.scalars(current_students_query(own_class_ids_query(actor), on)))
        by_key = {
            key: kept for key, group in by_key.items()
            if (kept := [s for s in group if s.id in own])
        }
    matched_ids = [s.id for group in by_key.values() for s in group]
    enrolled = active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    current_class: dict[int, SchoolClass] = {
        enrolment.student_id: enrolment.school_class
        for enrolment in session.scalars(
            select(Enrolment).where(Enrolment.student_id.in_(matched_ids), enrolled)
        )
    }
    links_of: dict[int, list[GuardianLink]] = {}
    for link in session.scalars(
        select(GuardianLink).where(GuardianLink.student_id.in_(matched_ids))
    ):
        links_of.setdefault(link.student_id, []).append(link)
    guardian_names = {name_key(g.last_name) for d, _ in valid for g in d.guardians}
    by_contact = _guardians_by_contact(session, guardian_names, reachable_guardians)
    return Known(by_key, current_class, links_of, by_contact)


def _students_by_key(
    session: Session, last_names: set[str]
) -> dict[tuple[str, date], list[Student]]:
    """Students with one of the surnames, by (folded name, birth date)."""
    # Candidates by surname, folded in Python: SQLite's lower() ignores Cyrillic.
    by_key: dict[tuple[str, date], list[Student]] = {}
    surname_keys = {name_key(n) for n in last_names}
    for student in session.scalars(select(Student).where(Student.birth_date.is_not(None))):
        if name_key(student.last_name) not in surname_keys or student.birth_date is None:
            continue
        by_key.setdefault(
            (name_key(student.last_name, student.first_name), student.birth_date), []
        ).append(student)
    return by_key


def _guardians_by_contact(
    session: Session, guardian_names: set[str], reachable: set[int] | None
) -> dict[tuple[str, str], Guardian]:
    """Reachable guardians with one of the surnames, by (folded full name, phone or e-mail)."""
    by_contact: dict[tuple[str, str], Guardian] = {}
    for guardian in session.scalars(select(Guardian)):
        if name_key(guardian.last_name) not in guardian_names:
            continue
        if reachable is not None and guardian.id not in reachable:
            continue
        name = name_key(guardian.last_name, guardian.first_name, guardian.middle_name or "")
        for contact in (guardian.phone, (guardian.email or "").lower() or None):
            if contact:
                by_contact.setdefault((name, contact), guardian)
    return by_contact


class GuardianMatcher:
    """The guardian a row means: linked to the student, met earlier in the file, or known."""

    def __init__(self, by_contact: dict[tuple[str, str], Guardian]) -> None:
        self.by_contact = by_contact
        self.planned: dict[tuple[str, str], PlannedGuardian] = {}
        self.by_guardian_id: dict[int, PlannedGuardian] = {}

    def match(self, g: GuardianData, existing_links: list[GuardianLink]) -> PlannedGuardian:
        """The planned guardian for the row's data, with the contact changes it brings."""
        contacts = [c for c in (g.phone, g.email) if c]
        planned = (
            self._linked(g, existing_links)
            or self._by_contacts(g, contacts)
            or PlannedGuardian(g, None)
        )
        for contact in contacts:
            self.planned.setdefault((g.name_key, contact), planned)
        if planned.existing is not None:
            if g.phone and planned.existing.phone != g.phone:
                planned.updates["phone"] = g.phone
            if g.email and (planned.existing.email or "").lower() != g.email:
                planned.updates["email"] = g.email
        return planned

    def _linked(
        self, g: GuardianData, existing_links: list[GuardianLink]
    ) -> PlannedGuardian | None:
        # The same person: a guardian already linked to this student under the same name...
        for link in existing_links:
            linked = link.guardian
            if name_key(linked.last_name, linked.first_name, linked.middle_name or "") == (
                g.name_key
            ):
                planned = self.by_guardian_id.get(linked.id)
                if planned is None:
                    planned = PlannedGuardian(g, linked)
                    self.by_guardian_id[linked.id] = planned
                return planned
        return None

    def _by_contacts(self, g: GuardianData, contacts: list[str]) -> PlannedGuardian | None:
        # ...else someone with the same name and phone or e-mail (a parent of siblings).
        for contact in contacts:
            known = self.planned.get((g.name_key, contact))
            if known is not None:
                return known
            found = self.by_contact.get((g.name_key, contact))
            if found is not None:
                planned = self.by_guardian_id.get(found.id) or PlannedGuardian(g, found)
                self.by_guardian_id[found.id] = planned
                return planned
        return None
