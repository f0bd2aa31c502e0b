"""How long Klassruk keeps each kind of personal data (152-ФЗ), and the command that applies it.

The policy is stated once, here (`POLICY`), and printed by `python -m klassruk retention`:

- the journal (grades, absences, lessons, period grades, their history) is kept as the school's
  regulation (номенклатура дел) requires: Klassruk never deletes it;
- guardians' contacts (e-mail, phone, confirmed notification addresses) are removed, and
  consent scans deleted (the register's entries stay, without the scan), N years after the
  last of the guardian's children left the school (`KLASSRUK_RETENTION_FAMILY_YEARS`);
- logins, screens opened and records of who opened whose data are deleted after M months
  (`KLASSRUK_RETENTION_LOG_MONTHS`);
- leavers' accounts are blocked from the day the year's rollover set.

Every removal writes an audit row (who: the command; what; why), without the removed value; the
audit log's earlier rows of a removed contact lose the value too, so it survives nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.audit.log import REDACTED
from klassruk.models import ActivityLog, AuditLog
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import ConsentEntry, ConsentScan
from klassruk.models.families import FamilyActivity
from klassruk.models.incidents import DataAccessLog
from klassruk.models.notifications import NotificationContact
from klassruk.models.school import Enrolment, Guardian, GuardianLink
from klassruk.services.school_year.closing import block_due_leavers, due_leaver_accounts
from klassruk.text.formatting import format_date

REASON = "Срок хранения персональных данных истёк (152-ФЗ)"


@dataclass(frozen=True)
class Rule:
    """One kind of data: how long it is kept and what happens then."""

    key: str
    title: str
    kept: str


def policy(*, family_years: int, log_months: int) -> list[Rule]:
    """The retention policy with this deployment's N and M."""
    return [
        Rule("journal", "Журнал: оценки, пропуски, темы уроков, итоговые оценки, история",
             "по номенклатуре дел школы; программа его не удаляет"),
        Rule("contacts", "Контакты родителей: e-mail, телефон, адреса для уведомлений",
             f"{family_years} г. после ухода из школы последнего из детей, затем удаляются"),
        Rule("scans", "Сканы согласий на обработку данных",
             f"{family_years} г. после ухода из школы ребёнка, затем удаляются "
             "(запись в реестре согласий остаётся)"),
        Rule("logs", "Входы, открытые разделы, журнал доступа к персональным данным",
             f"{log_months} мес., затем удаляются"),
        Rule("accounts", "Учётные записи выпускников и их родителей",
             "блокируются с дня, заданного при переходе на новый учебный год"),
    ]


@dataclass
class RetentionReport:
    """What the command found (dry run) or did (apply), per rule."""

    family_cutoff: date
    log_cutoff: datetime
    applied: bool
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> list[str]:
        """One Russian line per rule."""
        verb = "удалено" if self.applied else "будет удалено"
        return [
            f"Контакты родителей (дети ушли до {format_date(self.family_cutoff)}): "
            f"{verb} у {self.counts.get('contacts', 0)} родителей.",
            f"Сканы согласий: {verb} {self.counts.get('scans', 0)}.",
            f"Записи журналов входов и доступа старше {format_date(self.log_cutoff.date())}: "
            f"{verb} {self.counts.get('logs', 0)}.",
            "Учётные записи выпускников: "
            + ("заблокировано" if self.applied else "будет заблокировано")
            + f" {self.counts.get('accounts', 0)}.",
        ]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _gone_students(cutoff: date) -> Select[int]:
    """Pupils with no class now whose last enrolment ended on or before `cutoff`."""
    last_day = (
        select(Enrolment.student_id, func.max(Enrolment.ends_on).label("left_on"))
        .group_by(Enrolment.student_id)
        .subquery()
    )
    still_there = select(Enrolment.student_id).where(Enrolment.ends_on.is_(None))
    return select(last_day.c.student_id).where(
        last_day.c.left_on <= cutoff, last_day.c.student_id.not_in(still_there)
    )


def _gone_guardians(session: Session, cutoff: date) -> list[int]:
    """Guardians whose every linked child left the school on or before `cutoff`."""
    with_child_here = select(GuardianLink.guardian_id).where(
        GuardianLink.student_id.not_in(_gone_students(cutoff))
    )
    return list(
        session.scalars(
            select(GuardianLink.guardian_id)
            .distinct()
            .where(GuardianLink.guardian_id.not_in(with_child_here))
            .order_by(GuardianLink.guardian_id)
        )
    )


def _audit(session: Session, actor: Actor, operation: str, entity: str, entity_id: Any,
           changes: dict[str, Any], now: datetime) -> None:
    session.add(
        AuditLog(
            at=now, actor_user_id=actor.user_id, actor_login=actor.login,
            session_id=actor.session_id, operation=operation, entity=entity,
            entity_id=str(entity_id), changes=changes, reason=REASON,
        )
    )


def _scrub_audit(session: Session, entity: str, ids: list[int], columns: tuple[str, ...]) -> None:
    """Earlier audit rows of these rows lose the removed values (the change itself stays)."""
    if not ids:
        return
    for row in session.scalars(
        select(AuditLog).where(
            AuditLog.entity == entity, AuditLog.entity_id.in_([str(i) for i in ids])
        )
    ):
        changes = dict(row.changes)
        touched = False
        for column in columns:
            if column in changes:
                changes[column] = {
                    side: (REDACTED if value is not None else None)
                    for side, value in changes[column].items()
                }
                touched = True
        if touched:
            row.changes = changes


def _contacts(session: Session, actor: Actor, guardians: list[int], now: datetime,
              apply: bool) -> int:
    with_contacts = list(
        session.scalars(
            select(Guardian.id).where(
                Guardian.id.in_(guardians),
                (Guardian.email.is_not(None)) | (Guardian.phone.is_not(None)),
            )
        )
    )
    contact_rows = list(
        session.execute(
            select(NotificationContact.id, UserAccount.guardian_id)
            .join(UserAccount, UserAccount.id == NotificationContact.user_id)
            .where(UserAccount.guardian_id.in_(guardians))
        )
    )
    touched = set(with_contacts) | {guardian_id for _, guardian_id in contact_rows}
    if not apply:
        return len(touched)
    # Core statements: the ORM's audit hook would copy the values into the audit log.
    session.execute(
        update(Guardian).where(Guardian.id.in_(with_contacts)).values(email=None, phone=None)
    )
    for guardian_id in with_contacts:
        _audit(session, actor, "update", "guardian", guardian_id,
               {"email": {"old": REDACTED, "new": None}, "phone": {"old": REDACTED, "new": None}},
               now)
    contact_ids = [contact_id for contact_id, _ in contact_rows]
    session.execute(delete(NotificationContact).where(NotificationContact.id.in_(contact_ids)))
    for contact_id in contact_ids:
        _audit(session, actor, "delete", "notification_contact", contact_id,
               {"address": {"old": REDACTED}}, now)
    _scrub_audit(session, "guardian", with_contacts, ("email", "phone"))
    _scrub_audit(session, "notification_contact", contact_ids, ("address",))
    return len(touched)


def _scans(session: Session, actor: Actor, guardians: list[int], cutoff: date, now: datetime,
           apply: bool) -> int:
    gone_students = _gone_students(cutoff)
    theirs = (
        (ConsentEntry.guardian_id.in_(guardians))
        | (ConsentEntry.guardian_id.is_(None) & ConsentEntry.student_id.in_(gone_students))
    )
    # A scan also referenced by an entry of a family still at school stays.
    kept = select(ConsentEntry.scan_id).where(ConsentEntry.scan_id.is_not(None), ~theirs)
    scan_ids = list(
        session.scalars(
            select(ConsentEntry.scan_id)
            .distinct()
            .where(ConsentEntry.scan_id.is_not(None), theirs, ConsentEntry.scan_id.not_in(kept))
        )
    )
    if not apply or not scan_ids:
        return len(scan_ids)
    entries = list(
        session.execute(
            select(ConsentEntry.id, ConsentEntry.scan_id).where(
                ConsentEntry.scan_id.in_(scan_ids)
            )
        )
    )
    session.execute(
        update(ConsentEntry).where(ConsentEntry.scan_id.in_(scan_ids)).values(scan_id=None)
    )
    for entry_id, scan_id in entries:
        _audit(session, actor, "update", "consent_entry", entry_id,
               {"scan_id": {"old": scan_id, "new": None}}, now)
    for scan_id, size, sha256 in session.execute(
        select(ConsentScan.id, ConsentScan.size, ConsentScan.sha256).where(
            ConsentScan.id.in_(scan_ids)
        )
    ).all():
        _audit(session, actor, "delete", "consent_scan", scan_id,
               {"size": {"old": size}, "sha256": {"old": sha256}}, now)
    session.execute(delete(ConsentScan).where(ConsentScan.id.in_(scan_ids)))
    return len(scan_ids)


LOG_TABLES: tuple[Any, ...] = (ActivityLog, FamilyActivity, DataAccessLog)


def _logs(session: Session, actor: Actor, cutoff: datetime, now: datetime, apply: bool) -> int:
    total = 0
    for model in LOG_TABLES:
        old = model.at < cutoff
        count = int(session.scalar(select(func.count()).select_from(model).where(old)) or 0)
        total += count
        if apply and count:
            session.execute(delete(model).where(old))
            # One audit row per table purged: the rows themselves are the log being removed.
            _audit(session, actor, "delete", model.__tablename__, f"до {cutoff.isoformat()}",
                   {"rows": {"old": count}}, now)
    return total


def run_retention(
    session: Session,
    actor: Actor,
    *,
    on: date,
    now: datetime,
    family_years: int,
    log_months: int,
    apply: bool,
) -> RetentionReport:
    """Find (dry run) or remove what the policy no longer lets the school keep."""
    if family_years < 1 or log_months < 1:
        raise ValueError("retention periods must be positive")
    family_cutoff = _years_before(on, family_years)
    log_cutoff = now - timedelta(days=round(log_months * 365.25 / 12))
    report = RetentionReport(family_cutoff=family_cutoff, log_cutoff=log_cutoff, applied=apply)
    guardians = _gone_guardians(session, family_cutoff)
    report.counts["contacts"] = _contacts(session, actor, guardians, now, apply)
    report.counts["scans"] = _scans(session, actor, guardians, family_cutoff, now, apply)
    report.counts["logs"] = _logs(session, actor, log_cutoff, now, apply)
    if apply:
        report.counts["accounts"] = block_due_leavers(session, actor, on=on, now=now)
    else:
        report.counts["accounts"] = len(due_leaver_accounts(session, on=on))
    session.flush()
    return report
