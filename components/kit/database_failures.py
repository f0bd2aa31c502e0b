"""What the user reads when the database itself fails: one Russian message per kind of failure."""

from __future__ import annotations

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    PendingRollbackError,
    SQLAlchemyError,
)

from klassruk.errors import CONCURRENT_WRITE

# Each says what happened, that nothing was saved, what to do; the traceback goes to the log.
CONNECTION_LOST = (
    "Связь с базой данных прервалась, поэтому ничего не сохранено. Обновите страницу "
    "и повторите действие; если ошибка повторится, сообщите администратору школы."
)
DISK_FULL = (
    "На сервере закончилось место для базы данных, поэтому ничего не сохранено. "
    "Сообщите администратору школы."
)
READ_ONLY = (
    "База данных сейчас открыта только для чтения, поэтому ничего не сохранено. "
    "Сообщите администратору школы."
)
DATABASE_BUSY = (
    "База данных занята другими сохранениями и не ответила вовремя, поэтому ничего "
    "не сохранено. Повторите действие через минуту."
)
DATA_REFUSED = (
    "База данных не приняла введённые значения (недопустимые символы или слишком большое "
    "число), поэтому ничего не сохранено. Проверьте введённое и повторите."
)
PENDING_ROLLBACK = (
    "Предыдущая операция с базой данных не завершилась, поэтому ничего не сохранено. "
    "Обновите страницу и повторите действие."
)
DATABASE_FAILED = (
    "Ошибка базы данных, поэтому ничего не сохранено. Обновите страницу и повторите "
    "действие; если ошибка повторится, сообщите администратору школы."
)
# PostgreSQL SQLSTATE codes and SQLite messages → the message; the first match wins.
_SQLSTATES = (
    ("53100", DISK_FULL),
    ("25006", READ_ONLY),
    ("40001", CONCURRENT_WRITE),
    ("40P01", CONCURRENT_WRITE),
    ("08", CONNECTION_LOST),
    ("57P", CONNECTION_LOST),
    ("22", DATA_REFUSED),
)
_SQLITE_TEXTS = (
    ("database or disk is full", DISK_FULL),
    ("disk i/o error", DISK_FULL),
    ("readonly database", READ_ONLY),
    ("database is locked", DATABASE_BUSY),
    ("unable to open database file", CONNECTION_LOST),
)


def database_failure_message(error: BaseException) -> str | None:
    """The Russian message for a failure of the database itself; None for other errors."""
    if isinstance(error, PendingRollbackError):
        return PENDING_ROLLBACK
    if isinstance(error, IntegrityError):
        return CONCURRENT_WRITE
    if not isinstance(error, DBAPIError):
        return DATABASE_FAILED if isinstance(error, SQLAlchemyError) else None
    sqlstate = str(getattr(error.orig, "sqlstate", "") or "")
    for prefix, message in _SQLSTATES:
        if sqlstate.startswith(prefix):
            return message
    text = str(error.orig).lower()
    for fragment, message in _SQLITE_TEXTS:
        if fragment in text:
            return message
    if isinstance(error, DataError):
        return DATA_REFUSED
    if error.connection_invalidated or error.__class__.__name__ in (
        "OperationalError",
        "InterfaceError",
    ):
        return CONNECTION_LOST
    return DATABASE_FAILED
