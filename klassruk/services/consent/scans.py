"""Scans of signed consent forms: checked on upload, stored, served to the class teacher."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.consent import (
    ConsentEntry,
    ConsentScan,
    ConsentSubject,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.roster.people import ClassPeople, class_people
from klassruk.services.scans import check_scan_structure
from klassruk.services.scope.classes import OUT_OF_SCOPE, require_class_scope
from klassruk.text.policy import clean_line

MAX_SCAN_BYTES = 5 * 1024 * 1024


# The file's first bytes decide its type: a browser's claim or a file name proves nothing.
SCAN_SIGNATURES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "PDF"),
    "image/jpeg": (b"\xff\xd8\xff", "JPEG"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "PNG"),
}


@dataclass(frozen=True)
class ScanUpload:
    """A scanned signed form as uploaded."""

    file_name: str
    content: bytes


def check_scan(upload: ScanUpload) -> str:
    """The media type of an acceptable scan, or DomainError saying what is wrong."""
    if not upload.content:
        raise DomainError("Файл скана пустой.")
    if len(upload.content) > MAX_SCAN_BYTES:
        raise DomainError(
            f"Скан больше {MAX_SCAN_BYTES // (1024 * 1024)} МБ: уменьшите разрешение или качество."
        )
    for media_type, (signature, _) in SCAN_SIGNATURES.items():
        if upload.content.startswith(signature):
            check_scan_structure(upload.content, media_type)
            return media_type
    kinds = ", ".join(name for _, name in SCAN_SIGNATURES.values())
    raise DomainError(f"Скан должен быть файлом {kinds}; этот файл — не такой.")


def store_scan(session: Session, actor: Actor, upload: ScanUpload) -> ConsentScan:
    """Check an uploaded scan and store it (the entry that cites it is written next)."""
    media_type = check_scan(upload)
    scan = ConsentScan(
        file_name=clean_line(upload.file_name)[:200] or "скан",
        media_type=media_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        content=upload.content,
        uploaded_by=actor.login[:80],
    )
    session.add(scan)
    session.flush()
    return scan


def reaches_consent_entry(roster: ClassPeople, entry: ConsentEntry) -> bool:
    """Whether a consent entry is about the class's people today, as consent_history shows."""
    if entry.subject is ConsentSubject.GUARDIAN_SELF:
        return entry.guardian_id in roster.guardians
    if entry.subject is ConsentSubject.STUDENT_SELF:
        return entry.student_id in roster.students
    return entry.student_id in roster.children.get(entry.guardian_id or 0, [])


def scan_file(
    session: Session, actor: Actor, *, class_id: int, on: date, scan_id: int
) -> tuple[str, str, bytes]:
    """A stored scan (name, media type, bytes) of a person of the class."""
    require_class_scope(session, actor, class_id, Action.VIEW_CONSENT)
    people = class_people(session, class_id, on)
    entries = session.scalars(select(ConsentEntry).where(ConsentEntry.scan_id == scan_id))
    if not any(reaches_consent_entry(people, entry) for entry in entries):
        raise PermissionDenied(OUT_OF_SCOPE)
    scan = get_or_404(session, ConsentScan, scan_id, "Скан не найден.")
    return scan.file_name, scan.media_type, scan.content
