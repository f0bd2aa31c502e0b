"""Domain exceptions; their message is Russian and safe to show to the user."""

CONCURRENT_WRITE = (
    "Эти данные только что изменили в другом сеансе, поэтому ничего не сохранено. "
    "Обновите страницу и повторите действие."
)


class DomainError(Exception):
    """A rule of the school was broken; nothing was changed."""


class DatabaseUnavailable(DomainError):
    """The database itself failed (connection, disk, read-only file); nothing was saved."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class NotFound(DomainError):
    """The requested record does not exist or is outside the actor's scope."""


class Conflict(DomainError):
    """Someone else changed what the user was editing since it was read; nothing was saved."""

    def __init__(self, message: str, keys: frozenset[object] = frozenset()) -> None:
        super().__init__(message)
        # What conflicted (e.g. (student_id, lesson_id) cells): the page drops these edits.
        self.keys = keys
