"""What the school holds about a guardian and their children: one ZIP (JSON, PDF, scans)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import PermissionDenied
from klassruk.models import ActivityLog
from klassruk.models.accounts import ACCOUNT_STATUS_TITLES, UserAccount
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
    CONSENT_SUBJECT_TITLES,
    ConsentEntry,
    ConsentScan,
)
from klassruk.models.extracts import PaperExtract
from klassruk.models.families import ACK_CHANNEL_TITLES, AckChannel, Acknowledgement, FamilyActivity
from klassruk.models.journal import (
    ABSENCE_TITLES,
    GRADE_KIND_TITLES,
    Absence,
    Grade,
    Lesson,
    PeriodGrade,
    Recommendation,
)
from klassruk.models.notifications import CHANNEL_TITLES, NotificationContact
from klassruk.models.school import (
    RELATION_TITLES,
    Enrolment,
    Guardian,
    GuardianLink,
    ReportingPeriod,
    SchoolClass,
    Student,
    Subject,
)
from klassruk.services.scope.links import link_current_on
from klassruk.text.formatting import format_date, format_timestamp

Rows = list[dict[str, Any]]


@dataclass
class OwnData:
    """The sections of the archive (Russian titles → rows) and the consent scans."""

    guardian_name: str
    made_at: str
    sections: dict[str, Any] = field(default_factory=dict)
    scans: list[tuple[str, bytes]] = field(default_factory=list)


def _stamp(value: datetime | None, timezone: str) -> str:
    return format_timestamp(value, timezone) if value else ""


def _guardian_part(session: Session, guardian: Guardian, user: UserAccount,
                   timezone: str) -> dict[str, Any]:
    contacts = session.execute(
        select(NotificationContact.channel, NotificationContact.address,
               NotificationContact.verified_at)
        .where(NotificationContact.user_id == user.id)
        .order_by(NotificationContact.channel)
    ).all()
    return {
        "ФИО": guardian.full_name,
        "E-mail": guardian.email or "",
        "Телефон": guardian.phone or "",
        "Учётная запись": {
            "логин": user.login,
            "состояние": ACCOUNT_STATUS_TITLES[user.status],
            "создана": _stamp(user.created_at, timezone),
            "последний вход": _stamp(user.last_login_at, timezone),
        },
        "Адреса для уведомлений": [
            {"канал": CHANNEL_TITLES[channel], "адрес": address,
             "подтверждён": _stamp(verified, timezone)}
            for channel, address, verified in contacts
        ],
    }


def _by_lesson(session: Session, model: type[Grade] | type[Absence], student_id: int,
               *columns: Any) -> list[Any]:
    """A student's rows of a per-lesson table, each led by the lesson's date and subject."""
    return list(session.execute(
        select(Lesson.lesson_date, Subject.name, *columns)
        .join(Lesson, Lesson.id == model.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(model.student_id == student_id)
        .order_by(Lesson.lesson_date, Subject.name)
    ).all())


def _child_part(session: Session, student: Student, relation: str) -> dict[str, Any]:
    classes = session.execute(
        select(SchoolClass.grade, SchoolClass.letter, Enrolment.starts_on, Enrolment.ends_on)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(Enrolment.student_id == student.id)
        .order_by(Enrolment.starts_on)
    ).all()
    grades = _by_lesson(session, Grade, student.id, Grade.value, Grade.kind, Grade.weight)
    absences = _by_lesson(session, Absence, student.id, Absence.mark)
    period_grades = session.execute(
        select(ReportingPeriod.name, ReportingPeriod.starts_on, Subject.name, PeriodGrade.value)
        .join(ReportingPeriod, ReportingPeriod.id == PeriodGrade.period_id)
        .join(Subject, Subject.id == PeriodGrade.subject_id)
        .where(PeriodGrade.student_id == student.id)
        .order_by(ReportingPeriod.starts_on, Subject.name)
    ).all()
    recommendations = session.execute(
        select(Recommendation.created_at, Subject.name, Recommendation.text)
        .join(Subject, Subject.id == Recommendation.subject_id)
        .where(Recommendation.student_id == student.id)
        .order_by(Recommendation.created_at)
    ).all()
    return {
        "ФИО": student.full_name,
        "Дата рождения": format_date(student.birth_date) if student.birth_date else "",
        "Кем приходится": relation,
        "Классы": [
            {"класс": f"{grade}{letter}", "с": format_date(start),
             "по": format_date(end) if end else ""}
            for grade, letter, start, end in classes
        ],
        "Оценки": [
            {"дата": format_date(day), "предмет": subject, "оценка": value,
             "вид": GRADE_KIND_TITLES[kind], "вес": weight}
            for day, subject, value, kind, weight in grades
        ],
        "Пропуски": [
            {"дата": format_date(day), "предмет": subject,
             "отметка": f"{mark.value} — {ABSENCE_TITLES[mark]}"}
            for day, subject, mark in absences
        ],
        "Итоговые оценки за периоды": [
            {"период": f"{name} ({start.year})", "предмет": subject, "оценка": value}
            for name, start, subject, value in period_grades
        ],
        "Рекомендации": [
            {"дата": format_date(at.date()), "предмет": subject, "текст": text}
            for at, subject, text in recommendations
        ],
    }


def _consents(session: Session, guardian_id: int, child_ids: list[int],
              timezone: str) -> tuple[Rows, list[tuple[str, bytes]]]:
    entries = session.scalars(
        select(ConsentEntry)
        .where(
            ConsentEntry.guardian_id == guardian_id,
            (ConsentEntry.student_id.is_(None)) | (ConsentEntry.student_id.in_(child_ids)),
        )
        .order_by(ConsentEntry.id)
    ).all()
    names = dict(session.execute(
        select(Student.id, Student.last_name + " " + Student.first_name).where(
            Student.id.in_(child_ids)
        )
    ).all())
    scan_ids = [e.scan_id for e in entries if e.scan_id is not None]
    scans = {
        scan.id: scan
        for scan in session.scalars(select(ConsentScan).where(ConsentScan.id.in_(scan_ids)))
    }
    rows, files = [], []
    for entry in entries:
        scan = scans.get(entry.scan_id or 0)
        file_name = f"согласия/{entry.id}_{scan.file_name}" if scan else ""
        if scan is not None:
            files.append((file_name, bytes(scan.content)))
        rows.append({
            "что": CONSENT_SUBJECT_TITLES[entry.subject],
            "ребёнок": names.get(entry.student_id or 0, ""),
            "состояние": CONSENT_STATE_TITLES[entry.state],
            "дата на бланке": format_date(entry.signed_on) if entry.signed_on else "",
            "номер бланка": entry.form_number or "",
            "записано": _stamp(entry.recorded_at, timezone),
            "скан": file_name,
        })
    return rows, files


def _activity(session: Session, guardian_id: int, user_id: int, timezone: str) -> dict[str, Rows]:
    acks = session.execute(
        select(Acknowledgement.kind, Acknowledgement.week_start, Acknowledgement.channel,
               Acknowledgement.acknowledged_at)
        .where(Acknowledgement.guardian_id == guardian_id)
        .order_by(Acknowledgement.acknowledged_at)
    ).all()
    extracts = session.execute(
        select(PaperExtract.id, PaperExtract.date_from, PaperExtract.date_to,
               PaperExtract.printed_at, PaperExtract.handed_on, PaperExtract.returned_on)
        .where(PaperExtract.guardian_id == guardian_id)
        .order_by(PaperExtract.id)
    ).all()
    screens = session.execute(
        select(FamilyActivity.at, FamilyActivity.event, FamilyActivity.section)
        .where(FamilyActivity.user_id == user_id)
        .order_by(FamilyActivity.at)
    ).all()
    logins = session.execute(
        select(ActivityLog.at, ActivityLog.event)
        .where(ActivityLog.user_id == user_id)
        .order_by(ActivityLog.at)
    ).all()
    return {
        "Подтверждения «Ознакомлен(а)»": [
            {"что": kind.value, "неделя с": format_date(week) if week else "",
             "как": ACK_CHANNEL_TITLES[AckChannel(channel)], "когда": _stamp(at, timezone)}
            for kind, week, channel, at in acks
        ],
        "Бумажные выписки": [
            {"номер": number, "с": format_date(start), "по": format_date(end),
             "напечатана": _stamp(printed, timezone),
             "вручена": format_date(handed) if handed else "",
             "возвращена": format_date(returned) if returned else ""}
            for number, start, end, printed, handed, returned in extracts
        ],
        "Действия в дневнике": [
            {"когда": _stamp(at, timezone), "что": event.value, "раздел": section or ""}
            for at, event, section in screens
        ],
        "Входы и события учётной записи": [
            {"когда": _stamp(at, timezone), "событие": event} for at, event in logins
        ],
    }


def collect_own_data(session: Session, actor: Actor, *, on: date, timezone: str,
                     now: datetime) -> OwnData:
    """Everything the school keeps about the acting guardian and the children linked today."""
    require(actor, Action.DOWNLOAD_OWN_DATA)
    user = session.get(UserAccount, actor.user_id) if actor.user_id else None
    guardian = session.get(Guardian, actor.guardian_id) if actor.guardian_id else None
    if user is None or guardian is None or user.guardian_id != guardian.id:
        raise PermissionDenied("Выгрузка данных доступна родителю из его личного кабинета.")
    links = session.execute(
        select(Student, GuardianLink.relation)
        .join(GuardianLink, GuardianLink.student_id == Student.id)
        .where(GuardianLink.guardian_id == guardian.id, link_current_on(on))
        .order_by(Student.last_name, Student.first_name)
    ).all()
    data = OwnData(guardian_name=guardian.full_name, made_at=format_timestamp(now, timezone))
    data.sections["Родитель (законный представитель)"] = _guardian_part(
        session, guardian, user, timezone
    )
    data.sections["Дети"] = [
        _child_part(session, student, RELATION_TITLES[relation]) for student, relation in links
    ]
    consents, data.scans = _consents(
        session, guardian.id, [student.id for student, _ in links], timezone
    )
    data.sections["Согласия на обработку персональных данных"] = consents
    data.sections.update(_activity(session, guardian.id, user.id, timezone))
    return data


def own_data_archive(data: OwnData, pdf: bytes) -> bytes:
    """The ZIP a guardian downloads: data.json, the same as a PDF, and the consent scans."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "данные.json",
            json.dumps(
                {"Кто": data.guardian_name, "Выгружено": data.made_at, **data.sections},
                ensure_ascii=False, indent=2,
            ),
        )
        archive.writestr("данные.pdf", pdf)
        for name, content in data.scans:
            archive.writestr(name, content)
    return buffer.getvalue()
