"""Domain exceptions; their message is Russian and safe to show to the user."""


class DomainError(Exception):
    """A rule of the school was broken; nothing was changed."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class NotFound(DomainError):
    """The requested record does not exist or is outside the actor's scope."""
