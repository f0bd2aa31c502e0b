"""Russian names of tables, fields and stored values, so school IT can read the audit log."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from klassruk.access.permissions import ROLE_TITLES, Role
from klassruk.audit.log import REDACTED
from klassruk.models import Base
from klassruk.models.accounts import ACCOUNT_STATUS_TITLES, AccountStatus
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
    CONSENT_SUBJECT_TITLES,
    ConsentState,
    ConsentSubject,
)
from klassruk.models.extracts import EXTRACT_FREQUENCY_TITLES, ExtractFrequency
from klassruk.models.families import ACK_CHANNEL_TITLES, AckChannel, AckKind
from klassruk.models.incidents import (
    INCIDENT_STATUS_TITLES,
    REPORTER_KIND_TITLES,
    IncidentStatus,
    ReporterKind,
)
from klassruk.models.journal import (
    ABSENCE_TITLES,
    GRADE_KIND_TITLES,
    LESSON_CHANGE_TITLES,
    AbsenceMark,
    GradeKind,
    LessonChangeKind,
    LessonStatus,
)
from klassruk.models.notifications import (
    CADENCE_TITLES,
    CHANNEL_TITLES,
    Cadence,
    Channel,
    MessageAudience,
)
from klassruk.models.school import RELATION_TITLES, GroupKind, Relation
from klassruk.text.formatting import format_date, format_number, format_timestamp

OPERATION_TITLES = {"insert": "создание", "update": "изменение", "delete": "удаление"}

ENTITY_TITLES: dict[str, str] = {
    "absence": "Пропуск урока",
    "acknowledgement": "Ознакомление родителя",
    "activation_code": "Код активации",
    # Unaudited logs: only the retention command's purges name them.
    "activity_log": "Журнал входов и событий",
    "data_access_log": "Журнал доступа к персональным данным",
    "family_activity": "Действия семей в дневнике",
    "app_setting": "Настройка школы",
    "class_message": "Сообщение семьям",
    "consent_entry": "Согласие на обработку ПДн",
    "consent_scan": "Скан согласия",
    "enrolment": "Зачисление в класс",
    "extract_schedule": "График бумажных выписок",
    "grade": "Оценка",
    "grade_change": "История оценки",
    "group_membership": "Состав учебной группы",
    "guardian": "Родитель (законный представитель)",
    "guardian_link": "Связь родителя и ребёнка",
    "holiday": "Каникулы",
    "lesson": "Урок",
    "lesson_change": "Замена или перенос урока",
    "notification_contact": "Адрес для уведомлений",
    "notification_preference": "Настройки уведомлений",
    "paper_extract": "Бумажная выписка",
    "period_grade": "Итоговая оценка за период",
    "period_grade_change": "История итоговой оценки",
    "planned_test": "Контрольная работа",
    "recommendation": "Рекомендация учителя",
    "recovery_code": "Резервный код второго фактора",
    "reporting_period": "Отчётный период",
    "school_class": "Класс",
    "school_year": "Учебный год",
    "security_incident": "Инцидент безопасности",
    "sent_report": "Аналитический отчёт",
    "staff": "Сотрудник",
    "student": "Обучающийся",
    "study_group": "Учебная группа",
    "subject": "Предмет",
    "teaching_assignment": "Учебная нагрузка",
    "timetable_slot": "Расписание",
    "user_account": "Учётная запись",
    "user_role": "Роль пользователя",
}

FIELD_TITLES: dict[str, str] = {
    "id": "номер",
    "value": "значение",
    "kind": "вид",
    "weight": "вес",
    "mark": "отметка",
    "status": "состояние",
    "reason": "причина",
    "lesson_id": "урок",
    "student_id": "обучающийся",
    "guardian_id": "родитель",
    "staff_id": "сотрудник",
    "class_id": "класс",
    "group_id": "группа",
    "subject_id": "предмет",
    "period_id": "период",
    "grade_id": "оценка",
    "user_id": "учётная запись",
    "school_year_id": "учебный год",
    "created_at": "создано",
    "created_by": "кем создано",
    "changed_at": "когда изменено",
    "changed_by": "кем изменено",
    "changed_by_user_id": "кем изменено",
    "old_value": "было",
    "new_value": "стало",
    "old_kind": "вид (было)",
    "new_kind": "вид (стало)",
    "login": "логин",
    "display_name": "ФИО",
    "password_hash": "пароль",
    "code_hash": "код",
    "must_change_password": "нужно сменить пароль",
    "failed_attempts": "неудачных попыток входа",
    "locked_until": "вход заблокирован до",
    "sessions_valid_after": "сеансы действительны после",
    "last_login_at": "последний вход",
    "totp_secret": "секрет второго фактора",
    "totp_enabled_at": "второй фактор подключён",
    "totp_last_step": "последний принятый код",
    "role": "роль",
    "issued_at": "выдан",
    "expires_at": "действует до",
    "issued_by_user_id": "кем выдан",
    "issued_by_login": "кем выдан",
    "used_at": "использован",
    "used_session_id": "сеанс использования",
    "revoked_at": "отозван",
    "last_name": "фамилия",
    "first_name": "имя",
    "middle_name": "отчество",
    "email": "эл. почта",
    "phone": "телефон",
    "relation": "кем приходится",
    "starts_on": "с",
    "ends_on": "по",
    "name": "название",
    "topic": "тема",
    "homework": "домашнее задание",
    "lesson_date": "дата",
    "number": "номер урока",
    "state": "состояние",
    "subject": "чьи данные",
    "signed_on": "дата подписи",
    "text": "текст",
    "generated": "создано записей",
    "from": "с",
    "to": "по",
    "short_name": "краткое название",
    "set_at": "когда выставлено",
    "set_by": "кем выставлено",
    "frequency": "периодичность",
    "date_from": "с даты",
    "date_to": "по дату",
    "printed_at": "напечатано",
    "printed_by_user_id": "кем напечатано",
    "printed_by": "кем напечатано",
    "handed_on": "вручено",
    "returned_on": "возвращено с подписью",
    "covered": "что вошло",
    "digest": "контрольная сумма",
    "birth_date": "дата рождения",
    "weekday": "день недели",
    "lesson_number": "номер урока",
    "room": "кабинет",
    "planned_on": "дата по плану",
    "title": "название",
    "grade": "параллель",
    "letter": "буква",
    "class_teacher_id": "классный руководитель",
    "week_start": "неделя с",
    "item_id": "что подтверждено",
    "shown": "что было показано",
    "channel": "способ",
    "acknowledged_at": "когда подтверждено",
    "recorded_by_user_id": "кем записано",
    "recorded_by": "кем записано",
    "recorded_at": "когда записано",
    "session_id": "сеанс",
    "announced_at": "когда объявлено",
    "announced_by": "кем объявлено",
    "old_staff_id": "учитель (был)",
    "new_staff_id": "учитель (стал)",
    "old_date": "дата (была)",
    "new_date": "дата (стала)",
    "old_number": "номер урока (был)",
    "new_number": "номер урока (стал)",
    "reporter_kind": "кто сообщил",
    "reported_by_user_id": "сообщил(а)",
    "reported_by_login": "сообщил(а)",
    "reported_at": "сообщено",
    "discovered_at": "обнаружено",
    "suspected_since": "подозревается с",
    "how_discovered": "как обнаружено",
    "deadline_at": "срок сообщения",
    "reported_in_time": "сообщено в срок",
    "voided_at": "когда признано недействительным",
    "voided_from": "недействительно с",
    "voided_by_login": "кем признано недействительным",
    "void_reason": "основание",
    "closed_at": "закрыт",
    "closed_by_login": "кем закрыт",
    "close_note": "заключение",
    "is_closed": "закрыт",
    "key": "параметр",
    "position": "должность",
    "hours_per_week": "часов в неделю",
    "form_number": "номер бланка",
    "scan_id": "скан",
    "prefers_paper": "предпочитает бумагу",
    "corrects_id": "исправляет запись",
    "slot_id": "место в расписании",
    "is_current": "текущий",
    "closed_by": "закрыл",
    "leavers_block_on": "блокировка выпускников с",
    "leavers_blocked_at": "выпускники заблокированы",
    "rows": "строк",
    # Notifications, messages, sent reports, test changes, classes without marks.
    "author_user_id": "автор", "author_name": "автор", "audience": "кому",
    "body": "текст", "asks_acknowledgement": "просит «Ознакомлен(а)»",
    "moved_from": "перенесена с", "cancelled_at": "отменена", "cancel_reason": "причина отмены",
    "sms": "SMS", "muted_topics": "отключённые темы", "cadence": "как присылать",
    "digest_hour": "час сводки", "quiet_from": "тихие часы с", "quiet_to": "тихие часы до",
    "sent_at": "отправлен", "sent_by_user_id": "отправил", "sent_by": "отправил",
    "snapshot": "показатели отчёта", "read_at": "прочитан", "read_by_user_id": "прочитал",
    "without_marks": "безотметочное обучение", "address": "адрес",
    "verified_at": "подтверждён", "code_expires_at": "код действует до",
    "code_attempts": "попыток ввода кода",
}

# The same column name meaning something else in one table.
TABLE_FIELD_TITLES: dict[tuple[str, str], str] = {
    ("school_class", "grade"): "параллель",
    ("grade", "value"): "оценка",
    ("app_setting", "value"): "значение",
    ("consent_entry", "subject"): "чьи данные",
    ("acknowledgement", "kind"): "что подтверждено",
    ("study_group", "kind"): "вид группы",
    ("lesson_change", "kind"): "вид изменения",
}

# Columns holding a person's login: shown as that person's name.
LOGIN_COLUMNS = frozenset({
    "announced_by", "changed_by", "closed_by_login", "created_by", "decided_by_login",
    "issued_by_login", "printed_by", "recorded_by", "reported_by_login", "set_by",
    "uploaded_by", "voided_by_login",
})

# Technical columns a reader of the log has no use for (they stay in the stored row).
HIDDEN_COLUMNS = frozenset({"id", "digest", "session_id", "used_session_id"})

GROUP_KIND_TITLES = {
    GroupKind.WHOLE_CLASS: "весь класс",
    GroupKind.SUBGROUP: "подгруппа",
    GroupKind.STREAM: "поток",
    GroupKind.INDIVIDUAL: "индивидуальный план",
}
ACK_KIND_TITLES = {
    AckKind.WEEK: "неделя",
    AckKind.PERIOD_GRADE: "итоговая оценка",
    AckKind.RECOMMENDATION: "рекомендация учителя",
    AckKind.TEST_SCHEDULE: "график контрольных работ",
    AckKind.MESSAGE: "сообщение классного руководителя",
}
MESSAGE_AUDIENCE_TITLES = {
    MessageAudience.CLASS: "класс",
    MessageAudience.GRADE: "параллель",
    MessageAudience.SCHOOL: "вся школа",
}
LESSON_STATUS_TITLES = {
    LessonStatus.SCHEDULED: "по расписанию",
    LessonStatus.CANCELLED: "отменён",
}

# Every enum stored in an audited table, by its Russian titles (a test checks none is missing).
ENUM_TITLES: dict[type[enum.Enum], Mapping[Any, str]] = {
    AccountStatus: ACCOUNT_STATUS_TITLES,
    Relation: RELATION_TITLES,
    ConsentState: CONSENT_STATE_TITLES,
    ConsentSubject: CONSENT_SUBJECT_TITLES,
    ExtractFrequency: EXTRACT_FREQUENCY_TITLES,
    AckChannel: ACK_CHANNEL_TITLES,
    AckKind: ACK_KIND_TITLES,
    IncidentStatus: INCIDENT_STATUS_TITLES,
    ReporterKind: REPORTER_KIND_TITLES,
    GradeKind: GRADE_KIND_TITLES,
    LessonChangeKind: LESSON_CHANGE_TITLES,
    LessonStatus: LESSON_STATUS_TITLES,
    AbsenceMark: {m: f"{m.value} ({t})" for m, t in ABSENCE_TITLES.items()},
    GroupKind: GROUP_KIND_TITLES,
    Role: ROLE_TITLES,
    Channel: CHANNEL_TITLES,
    Cadence: CADENCE_TITLES,
    MessageAudience: MESSAGE_AUDIENCE_TITLES,
}

WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")

# What the login activity is called in the separate view of logins.
LOGIN_EVENT_TITLES = {
    "login": "вход",
    "login_failed": "неверный пароль или код",
    "login_code_refused": "код активации не принят",
    "login_refused_blocked": "вход заблокированной учётной записи",
    "login_refused_locked": "вход при временной блокировке",
    "login_refused_throttled": "слишком много попыток с адреса",
    "login_awaits_second_factor": "пароль верен, ожидается код второго фактора",
    "account_locked": "временная блокировка после неудачных попыток",
    "account_activated": "активация учётной записи",
    "activation_resumed": "продолжение активации",
    "logout": "выход",
    "spray_alert": "подбор паролей к разным учётным записям",
}


@dataclass(frozen=True)
class Names:
    """How the rows and the logins an audit row mentions are called (read by the service)."""

    rows: Mapping[tuple[str, str], str] = field(default_factory=dict)
    logins: Mapping[str, str] = field(default_factory=dict)


NO_NAMES = Names()


@cache
def column_of(table: str, column: str) -> sa.Column[Any] | None:
    """The model's column, if the table and column exist."""
    found = Base.metadata.tables.get(table)
    return None if found is None else found.columns.get(column)


def reference(table: str, column: str) -> str | None:
    """The table a foreign-key column points to."""
    found = column_of(table, column)
    if found is None or not found.foreign_keys:
        return None
    return next(iter(found.foreign_keys)).column.table.name


def entity_title(entity: str) -> str:
    """The Russian name of a table (its own name if none is known)."""
    return ENTITY_TITLES.get(entity, entity)


def field_title(field: str, table: str | None = None) -> str:
    """The Russian name of a column (its own name if none is known)."""
    return TABLE_FIELD_TITLES.get((table or "", field)) or FIELD_TITLES.get(field, field)


def object_title(entity: str, entity_id: str, names: Names = NO_NAMES) -> str:
    """What was changed: «Оценка: Иванов Иван, Алгебра 12.11.2026», by name, not by id."""
    label = names.rows.get((entity, entity_id))
    return f"{entity_title(entity)}: {label}" if label else f"{entity_title(entity)} № {entity_id}"


def _enum_text(table: str | None, field: str, value: Any) -> str | None:
    column = column_of(table, field) if table else None
    enum_class = getattr(column.type, "enum_class", None) if column is not None else None
    classes = [enum_class] if enum_class is not None else list(ENUM_TITLES)
    for candidate in classes:
        titles = ENUM_TITLES.get(candidate, {})
        if value in titles:
            return titles[value]
    return None


def _text_of_string(value: str, timezone: str) -> str:
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return format_date(parsed.date())
        return format_timestamp(parsed, timezone) if parsed.tzinfo else value
    return value


def value_text(
    field: str, value: Any, timezone: str, *, table: str | None = None, names: Names = NO_NAMES
) -> str:
    """A stored value as the screens show it: names, titles, dates, decimal comma."""
    if value is None:
        return "—"
    if value == REDACTED:
        return "(скрыто)"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "да" if value else "нет"
    target = reference(table, field) if table else None
    if target is not None:
        return names.rows.get((target, str(value))) or f"№ {value}"
    if field in LOGIN_COLUMNS and isinstance(value, str):
        return names.logins.get(value, value)
    if isinstance(value, str):
        titled = _enum_text(table, field, value)
        if titled is not None:
            return titled
    if field == "weekday" and isinstance(value, int) and 0 <= value < len(WEEKDAYS):
        return WEEKDAYS[value]
    if isinstance(value, dict):
        return f"записей: {sum(len(v) if isinstance(v, list) else 1 for v in value.values())}"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, datetime):
        return format_timestamp(value, timezone)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str):
        return _text_of_string(value, timezone)
    return str(value)


def changes_text(
    operation: str,
    changes: dict[str, Any],
    timezone: str,
    *,
    table: str | None = None,
    names: Names = NO_NAMES,
) -> str:
    """One line per changed field: «оценка: 5 → 2»; created and deleted rows list their values."""
    def shown(column: str, value: Any) -> str:
        return value_text(column, value, timezone, table=table, names=names)

    lines = []
    for column, change in changes.items():
        if column in HIDDEN_COLUMNS:
            continue
        title = field_title(column, table)
        if not isinstance(change, dict) or not ({"old", "new"} & set(change)):
            # A summary row of a bulk write (generated lessons): plain values, no before/after.
            lines.append(f"{title}: {shown(column, change)}")
        elif operation == "update":
            old, new = shown(column, change.get("old")), shown(column, change.get("new"))
            lines.append(f"{title}: {old} → {new}")
        else:
            side = "new" if operation == "insert" else "old"
            lines.append(f"{title}: {shown(column, change.get(side))}")
    return "; ".join(lines)
