"""Lengths and ranges of stored values, taken from the model columns themselves.

`check_columns` runs before every flush (installed with the audit hook): a value longer than its
String column or outside its integer type is refused with a Russian message on SQLite as on
PostgreSQL (SQLite stored it, PostgreSQL raised DataError). Services that preview input
(the roster import) ask `length_problem` for the same limit before anything is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from klassruk.errors import DomainError
from klassruk.text.formatting import quote

# Column → the field's Russian name in messages; other columns are named generically.
LABELS = {
    "last_name": "Фамилия",
    "first_name": "Имя",
    "middle_name": "Отчество",
    "email": "Адрес e-mail",
    "phone": "Телефон",
    "reason": "Причина",
    "topic": "Тема урока",
    "homework": "Домашнее задание",
    "name": "Название",
    "short_name": "Краткое название",
    "room": "Кабинет",
    "title": "Тема",
    "text": "Текст",
    "comment": "Комментарий",
    "position": "Должность",
    "display_name": "Имя для показа",
    "login": "Логин",
}
# Most specific first: BigInteger and SmallInteger are Integer subclasses.
_INTEGER_RANGES = {
    BigInteger: (-(2**63), 2**63 - 1),
    SmallInteger: (-(2**15), 2**15 - 1),
    Integer: (-(2**31), 2**31 - 1),
}


def max_length(attribute: InstrumentedAttribute[Any]) -> int | None:
    """The length of a String column (None when unlimited)."""
    column_type = attribute.property.columns[0].type
    return column_type.length if isinstance(column_type, String) else None


def length_problem(attribute: InstrumentedAttribute[Any], value: str | None) -> str | None:
    """A Russian sentence if `value` does not fit the column, else None."""
    limit = max_length(attribute)
    if value is None or limit is None or len(value) <= limit:
        return None
    label = LABELS.get(attribute.key, "Текст")
    return f"{label}: не больше {limit} символов, а в {quote(value)} — {len(value)}."


def check_columns(session: Session, *_: object) -> None:
    """Refuse any new or changed value that does not fit its column (before flush)."""
    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for column in mapper.columns:
            value = getattr(obj, mapper.get_property_by_column(column).key, None)
            if isinstance(value, str) and isinstance(column.type, String):
                limit = column.type.length
                if limit is not None and len(value) > limit:
                    label = LABELS.get(column.key, "Текст")
                    raise DomainError(
                        f"{label}: не больше {limit} символов, "
                        f"а в {quote(value)} — {len(value)}. Ничего не сохранено."
                    )
            elif isinstance(value, int) and not isinstance(value, bool):
                low, high = next(
                    (r for t, r in _INTEGER_RANGES.items() if isinstance(column.type, t)),
                    (None, None),
                )
                if low is not None and high is not None and not low <= value <= high:
                    label = LABELS.get(column.key, "Число")
                    raise DomainError(
                        f"{label}: число {quote(str(value))} вне допустимого диапазона. "
                        "Ничего не сохранено."
                    )


def install_limits_hook(factory: sessionmaker[Session]) -> None:
    """Check every flush of the factory's sessions against the column limits."""
    event.listen(factory, "before_flush", check_columns)
