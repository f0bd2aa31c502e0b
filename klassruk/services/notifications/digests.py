"""The sender's second step: due items become one message per login and channel (a digest)."""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from klassruk.models.accounts import UserAccount
from klassruk.models.journal import ABSENCE_TITLES, GRADE_KIND_TITLES, AbsenceMark, GradeKind
from klassruk.models.notifications import (
    Cadence,
    Channel,
    ClassMessage,
    DeliveryStatus,
    EventKind,
    LinkPurpose,
    Notification,
    NotificationItem,
    NotificationKind,
    OutboxEvent,
)
from klassruk.models.school import ReportingPeriod, Staff, Student, Subject
from klassruk.services import calendar
from klassruk.services.cabinet.weeks import week_contents
from klassruk.services.notifications.contacts import verified_addresses
from klassruk.services.notifications.gating import reachable
from klassruk.services.notifications.links import make_link
from klassruk.services.notifications.outbox import school_timezone
from klassruk.text.formatting import format_date

COMPOSE_BATCH = 5000
# Two concatenated Cyrillic (UCS-2) SMS parts of 67 characters.
SMS_LENGTH = 134
NOT_REACHABLE = "нет согласия на электронную рассылку, учётная запись не активна или нет связи"


@dataclass(frozen=True)
class LinkSettings:
    """Where links point and the secret that signs them."""

    # The deployment's address (KLASSRUK_APP_URL); each pass puts the admin's setting first.
    app_url: str
    secret: str


@dataclass
class _Names:
    students: dict[int, str] = field(default_factory=dict)
    subjects: dict[int, str] = field(default_factory=dict)
    periods: dict[int, str] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)
    messages: dict[int, ClassMessage] = field(default_factory=dict)


def _names(session: Session, events: list[OutboxEvent], student_ids: set[int]) -> _Names:
    def ids(key: str) -> set[int]:
        return {e.payload[key] for e in events if e.payload.get(key) is not None}

    names = _Names()
    for sid, last, first in session.execute(
        select(Student.id, Student.last_name, Student.first_name).where(Student.id.in_(student_ids))
    ):
        names.students[sid] = f"{last} {first}"
    names.subjects = {
        sid: name
        for sid, name in session.execute(
            select(Subject.id, Subject.name).where(Subject.id.in_(ids("subject_id")))
        )
    }
    names.periods = {
        pid: name
        for pid, name in session.execute(
            select(ReportingPeriod.id, ReportingPeriod.name).where(
                ReportingPeriod.id.in_(ids("period_id"))
            )
        )
    }
    for sid, last, first, middle in session.execute(
        select(Staff.id, Staff.last_name, Staff.first_name, Staff.middle_name).where(
            Staff.id.in_(ids("new_staff_id"))
        )
    ):
        names.staff[sid] = " ".join(p for p in (last, first, middle) if p)
    names.messages = {
        m.id: m
        for m in session.scalars(
            select(ClassMessage).where(ClassMessage.id.in_(ids("message_id")))
        )
    }
    return names


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else ""


def describe(event: OutboxEvent, names: _Names) -> str:
    """One line of a message about one event, in Russian."""
    p = event.payload
    subject = names.subjects.get(p.get("subject_id", -1), "")
    day = _day(p.get("lesson_date"))
    kind = event.kind
    if kind is EventKind.GRADE_ADDED:
        what = GRADE_KIND_TITLES[GradeKind(p["grade_kind"])]
        return f"{subject}: оценка {p['value']} ({what}) за урок {day}"
    if kind is EventKind.GRADE_CHANGED:
        return (f"{subject}: оценка за урок {day} изменена с {p['old_value']} на {p['value']}. "
                f"Причина: {p['reason']}")
    if kind is EventKind.GRADE_DELETED:
        return f"{subject}: оценка {p['old_value']} за урок {day} удалена. Причина: {p['reason']}"
    if kind is EventKind.ABSENCE:
        return f"{subject}, {day}: «{p['mark']}» — {ABSENCE_TITLES[AbsenceMark(p['mark'])]}"
    if kind is EventKind.PERIOD_GRADE:
        period = names.periods.get(p["period_id"], "")
        if p["value"] is None:
            return f"{subject}: итоговая оценка за «{period}» снята"
        return f"{subject}: итоговая оценка за «{period}» — {p['value']}"
    if kind is EventKind.RECOMMENDATION:
        return f"{subject}: новая рекомендация учителя — в электронном дневнике"
    if kind is EventKind.TEST_PLANNED:
        return f"{subject}: контрольная работа «{p['title']}» {_day(p['planned_on'])}"
    if kind is EventKind.LESSON_SUBSTITUTION:
        teacher = names.staff.get(p.get("new_staff_id") or -1, "другой учитель")
        return f"{subject}, {day}, {p['number']}-й урок: замена, ведёт {teacher}"
    if kind is EventKind.LESSON_MOVE:
        return (f"{subject}: урок перенесён с {_day(p['old_date'])} ({p['old_number']}-й) "
                f"на {day} ({p['number']}-й)")
    if kind is EventKind.LESSON_CANCELLATION:
        return f"{subject}, {day}, {p['number']}-й урок отменён. Причина: {p['reason']}"
    if kind is EventKind.HOMEWORK:
        return f"{subject}, {day}: домашнее задание — {p['homework']}"
    if kind is EventKind.HOLIDAY:
        return f"{p['name']}: с {_day(p['starts_on'])} по {_day(p['ends_on'])}"
    message = names.messages[p["message_id"]]
    return f"{message.title}\n{message.body}"


def shorten_sms(text: str, link: str, limit: int = SMS_LENGTH) -> str:
    """The text cut to fit with the cabinet link into `limit` characters."""
    room = limit - len(link) - 1
    flat = " ".join(text.split())
    if len(flat) > room:
        flat = flat[: max(room - 1, 0)].rstrip(" ,;:") + "…"
    return f"{flat} {link}"


@dataclass
class _Draft:
    user_id: int
    channel: Channel
    cadence: Cadence
    # Rows of (id, event_id, user_id, student_id, channel, cadence) of notification_item.
    items: list[Any] = field(default_factory=list)


def _group(items: list[Any], kinds: dict[int, EventKind]) -> list[_Draft]:
    drafts: dict[tuple[Any, ...], _Draft] = {}
    for item in items:
        # A class message is its own message: the sender sees its delivery per family.
        alone = item.event_id if kinds[item.event_id] is EventKind.CLASS_MESSAGE else None
        key = (item.user_id, item.channel, item.cadence, alone)
        drafts.setdefault(key, _Draft(item.user_id, item.channel, item.cadence)).items.append(item)
    return list(drafts.values())


def _subject(draft: _Draft, lines: dict[str, list[str]], local: datetime, message: Any) -> str:
    children = ", ".join(lines)
    if message is not None:
        return f"{message.title} — сообщение школы"[:200]
    if draft.cadence is Cadence.DAILY:
        return f"Сводка за {format_date(local.date())}: {children}"[:200]
    if draft.cadence is Cadence.WEEKLY:
        monday = calendar.week_start(local.date())
        return f"Сводка за неделю с {format_date(monday)}: {children}"[:200]
    only = [line for child_lines in lines.values() for line in child_lines]
    if len(only) == 1:
        return f"{children}: {only[0]}".split("\n")[0][:200]
    return f"Новое в электронном дневнике: {children}"[:200]


def _bodies(
    lines: dict[str, list[str]], extras: list[tuple[str, str]], app_url: str
) -> tuple[str, str]:
    text = ["Здравствуйте!", ""]
    markup = ["<p>Здравствуйте!</p>"]
    for child, child_lines in lines.items():
        text += [f"{child}:"] + [f"• {line}" for line in child_lines] + [""]
        items = "".join(f"<li>{html.escape(line)}</li>" for line in child_lines)
        markup.append(f"<p><b>{html.escape(child)}</b></p><ul>{items}</ul>")
    for label, url in extras:
        text.append(f"{label}: {url}")
        markup.append(f'<p><a href="{html.escape(url)}">{html.escape(label)}</a></p>')
    text += ["", f"Электронный дневник: {app_url}"]
    markup.append(f'<p>Электронный дневник: <a href="{html.escape(app_url)}">'
                  f"{html.escape(app_url)}</a></p>")
    return "\n".join(text), "\n".join(markup)


def compose_due(
    session: Session, *, now: datetime, links: LinkSettings, limit: int = COMPOSE_BATCH
) -> int:
    """Turn the items due by `now` into messages: one per login, channel and cadence."""
    # Plain rows, not ORM objects: a batch is thousands of items and needs six columns of each.
    items = list(
        session.execute(
            select(NotificationItem.id, NotificationItem.event_id, NotificationItem.user_id,
                   NotificationItem.student_id, NotificationItem.channel,
                   NotificationItem.cadence)
            .where(NotificationItem.notification_id.is_(None), NotificationItem.due_at <= now)
            .order_by(NotificationItem.user_id, NotificationItem.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not items:
        return 0
    events = {
        e.id: e
        for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.id.in_({i.event_id for i in items}))
        )
    }
    student_ids = {i.student_id for i in items}
    names = _names(session, list(events.values()), student_ids)
    local = now.astimezone(ZoneInfo(school_timezone(session)))
    allowed = {(r.user_id, r.student_id) for r in reachable(session, student_ids, on=local.date())}
    user_ids = sorted({i.user_id for i in items})
    addresses = verified_addresses(session, user_ids)
    guardians = {
        uid: guardian_id
        for uid, guardian_id in session.execute(
            select(UserAccount.id, UserAccount.guardian_id).where(UserAccount.id.in_(user_ids))
        )
    }
    monday = calendar.week_start(local.date())
    weeks = week_contents(
        session,
        student_ids={i.student_id for i in items if i.cadence is Cadence.WEEKLY},
        weeks=[monday],
    )
    made = [
        (draft, _compose(session, draft, events, names, allowed, addresses, guardians, weeks,
                         monday, local, now, links))
        for draft in _group(items, {k: e.kind for k, e in events.items()})
    ]
    session.flush()  # the links made above
    # Two statements for the whole batch: the messages (one multi-row INSERT … RETURNING, ids
    # in the rows' order), then the items (an executemany). Their texts are put together from
    # stored values the text policy cleaned when they were stored.
    table = cast(Table, Notification.__table__)
    items_table = cast(Table, NotificationItem.__table__)
    ids = session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [notification for _, notification in made],
    ).all()
    session.execute(
        update(items_table)
        .where(items_table.c.id == bindparam("item_id"))
        .values(notification_id=bindparam("message_id")),
        [{"item_id": item.id, "message_id": message_id}
         for (draft, _), message_id in zip(made, ids, strict=True) for item in draft.items],
    )
    return len(made)


def _compose(
    session: Session,
    draft: _Draft,
    events: dict[int, OutboxEvent],
    names: _Names,
    allowed: set[tuple[int, int]],
    addresses: dict[tuple[int, Channel], str],
    guardians: dict[int, int | None],
    weeks: dict[Any, Any],
    monday: date,
    local: datetime,
    now: datetime,
    links: LinkSettings,
) -> dict[str, Any]:
    lines: dict[str, list[str]] = defaultdict(list)
    children: dict[str, int] = {}
    message = None
    for item in sorted(draft.items, key=lambda i: (i.student_id, i.event_id)):
        if (item.user_id, item.student_id) not in allowed:
            continue
        event = events[item.event_id]
        child = names.students[item.student_id]
        children[child] = item.student_id
        if event.kind is EventKind.CLASS_MESSAGE:
            message = names.messages[event.payload["message_id"]]
        lines[child].append(describe(event, names))
    address = addresses.get((draft.user_id, draft.channel))
    kind = (NotificationKind.MESSAGE if message is not None
            else NotificationKind.EVENTS if draft.cadence is Cadence.IMMEDIATE
            else NotificationKind.DIGEST)
    base: dict[str, Any] = {
        "user_id": draft.user_id, "channel": draft.channel, "kind": kind,
        "address": address or "", "subject": "", "body_text": "", "body_html": None,
        "unsubscribe_url": None, "class_message_id": message.id if message else None,
        "status": DeliveryStatus.PENDING, "last_error": None, "attempts": 0,
        "created_at": now, "next_attempt_at": now,
    }
    if not lines or address is None:
        base["status"] = DeliveryStatus.SKIPPED
        base["last_error"] = NOT_REACHABLE if not lines else "адрес не подтверждён"
        return base
    base["subject"] = _subject(draft, lines, local, message)
    guardian_id = guardians.get(draft.user_id)
    extras: list[tuple[str, str]] = []
    if draft.channel is Channel.EMAIL and guardian_id is not None:
        link = dict(
            session=session, user_id=draft.user_id, secret=links.secret, app_url=links.app_url,
            now=now, guardian_id=guardian_id,
        )
        if message is not None and message.asks_acknowledgement:
            for child, student_id in children.items():
                url = make_link(purpose=LinkPurpose.ACKNOWLEDGE_MESSAGE, student_id=student_id,
                                class_message_id=message.id, **link)  # type: ignore[arg-type]
                extras.append((f"Ознакомлен(а) — {child}", url))
        if draft.cadence is Cadence.WEEKLY:
            for child, student_id in children.items():
                content = weeks[(student_id, monday)]
                url = make_link(purpose=LinkPurpose.ACKNOWLEDGE_WEEK, student_id=student_id,
                                week_start=monday, shown=content.shown, digest=content.digest,
                                **link)  # type: ignore[arg-type]
                extras.append((f"Ознакомлен(а) с неделей — {child}", url))
    if draft.channel is Channel.EMAIL:
        base["unsubscribe_url"] = make_link(
            session, purpose=LinkPurpose.UNSUBSCRIBE, user_id=draft.user_id, secret=links.secret,
            app_url=links.app_url, now=now,
        )
        extras.append(("Отписаться от писем", base["unsubscribe_url"]))
        base["body_text"], base["body_html"] = _bodies(lines, extras, links.app_url)
    else:
        flat = "; ".join(f"{child}: {', '.join(ls)}" for child, ls in lines.items())
        base["body_text"] = shorten_sms(flat, links.app_url)
    return base
