"""Russian names of tables, fields and stored values, so school IT can read the audit log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from klassruk.audit import REDACTED
from klassruk.formatting import format_date, format_timestamp
from klassruk.models import ACCOUNT_STATUS_TITLES, RELATION_TITLES
from klassruk.models.consent import CONSENT_STATE_TITLES, CONSENT_SUBJECT_TITLES
from klassruk.models.incidents import INCIDENT_STATUS_TITLES, REPORTER_KIND_TITLES
from klassruk.models.journal import ABSENCE_TITLES, GRADE_KIND_TITLES, LESSON_CHANGE_TITLES
from klassruk.permissions import ROLE_TITLES

OPERATION_TITLES = {"insert": "создание", "update": "изменение", "delete": "удаление"}

ENTITY_TITLES: dict[str, str] = {
    "absence": "Пропуск урока",
    "acknowledgement": "Ознакомление родителя",
    "activation_code": "Код активации",
    "app_setting": "Настройка школы",
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
}

_VALUE_TITLES: dict[str, dict[Any, str]] = {
    "status": {
        **{s.value: t for s, t in ACCOUNT_STATUS_TITLES.items()},
        **{s.value: t for s, t in INCIDENT_STATUS_TITLES.items()},
    },
    "kind": {
        **{k.value: t for k, t in GRADE_KIND_TITLES.items()},
        **{k.value: t for k, t in LESSON_CHANGE_TITLES.items()},
    },
    "old_kind": {k.value: t for k, t in GRADE_KIND_TITLES.items()},
    "new_kind": {k.value: t for k, t in GRADE_KIND_TITLES.items()},
    "mark": {m.value: f"{m.value} ({t})" for m, t in ABSENCE_TITLES.items()},
    "role": {r.value: t for r, t in ROLE_TITLES.items()},
    "relation": {r.value: t for r, t in RELATION_TITLES.items()},
    "state": {s.value: t for s, t in CONSENT_STATE_TITLES.items()},
    "subject": {s.value: t for s, t in CONSENT_SUBJECT_TITLES.items()},
    "reporter_kind": {k.value: t for k, t in REPORTER_KIND_TITLES.items()},
}


def entity_title(entity: str) -> str:
    """The Russian name of a table (its own name if none is known)."""
    return ENTITY_TITLES.get(entity, entity)


def field_title(field: str) -> str:
    """The Russian name of a column (its own name if none is known)."""
    return FIELD_TITLES.get(field, field)


def value_text(field: str, value: Any, timezone: str) -> str:
    """A stored value as a person reads it: titles for codes, dates in the school's zone."""
    if value is None:
        return "—"
    if value == REDACTED:
        return "(скрыто)"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "да" if value else "нет"
    titles = _VALUE_TITLES.get(field)
    if titles is not None and value in titles:
        return titles[value]
    if isinstance(value, datetime):
        return format_timestamp(value, timezone)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return format_date(parsed.date())
        return format_timestamp(parsed, timezone) if parsed.tzinfo else value
    return str(value)


def changes_text(operation: str, changes: dict[str, Any], timezone: str) -> str:
    """One line per changed field: «оценка: 5 → 2»; created and deleted rows list their values."""
    lines = []
    for field, change in changes.items():
        title = field_title(field)
        if field == "id":
            continue
        if not isinstance(change, dict):
            # A summary row of a bulk write (generated lessons): plain values, no before/after.
            lines.append(f"{title}: {value_text(field, change, timezone)}")
        elif operation == "update":
            old = value_text(field, change.get("old"), timezone)
            new = value_text(field, change.get("new"), timezone)
            lines.append(f"{title}: {old} → {new}")
        else:
            side = "new" if operation == "insert" else "old"
            lines.append(f"{title}: {value_text(field, change.get(side), timezone)}")
    return "; ".join(lines)
