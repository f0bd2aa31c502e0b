"""Roles, actions, the one role→action table, and the acting user."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from klassruk.errors import PermissionDenied


class Role(enum.StrEnum):
    """What a user is in the school; a person may hold several."""

    ADMIN = "admin"
    DEPUTY_HEAD = "deputy_head"
    TEACHER = "teacher"
    CLASS_TEACHER = "class_teacher"
    GUARDIAN = "guardian"
    STUDENT = "student"


ROLE_TITLES: dict[Role, str] = {
    Role.ADMIN: "Администратор",
    Role.DEPUTY_HEAD: "Заместитель директора",
    Role.TEACHER: "Учитель",
    Role.CLASS_TEACHER: "Классный руководитель",
    Role.GUARDIAN: "Родитель (законный представитель)",
    Role.STUDENT: "Обучающийся",
}


class Action(enum.StrEnum):
    """Something a user may do; pages and services both ask for one."""

    VIEW_HOME = "view_home"
    VIEW_PROFILE = "view_profile"
    CHANGE_OWN_PASSWORD = "change_own_password"
    VIEW_USERS = "view_users"
    MANAGE_USERS = "manage_users"
    MANAGE_SCHOOL_STRUCTURE = "manage_school_structure"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_SCHOOL = "view_school"
    VIEW_CLASS = "view_class"
    VIEW_OWN_GROUPS = "view_own_groups"
    VIEW_CHILD = "view_child"
    VIEW_SELF = "view_self"
    IMPORT_ROSTER = "import_roster"
    ISSUE_CREDENTIALS = "issue_credentials"
    MANAGE_STUDY_GROUPS = "manage_study_groups"
    MANAGE_STREAMS = "manage_streams"
    MANAGE_TEACHING_LOAD = "manage_teaching_load"
    MANAGE_CALENDAR = "manage_calendar"
    EDIT_JOURNAL = "edit_journal"
    EDIT_CLOSED_PERIOD = "edit_closed_period"
    VIEW_CLASS_JOURNAL = "view_class_journal"
    VIEW_CONSENT = "view_consent"
    RECORD_CONSENT = "record_consent"
    VIEW_EXTRACTS = "view_extracts"
    PRINT_EXTRACTS = "print_extracts"
    END_GUARDIAN_LINK = "end_guardian_link"
    REPORT_OWN_COMPROMISE = "report_own_compromise"
    REPORT_COMPROMISE = "report_compromise"
    VIEW_INCIDENTS = "view_incidents"
    MANAGE_INCIDENTS = "manage_incidents"
    VIEW_CABINET = "view_cabinet"
    ACKNOWLEDGE = "acknowledge"
    USE_SECOND_FACTOR = "use_second_factor"
    SEND_MESSAGES = "send_messages"
    MANAGE_NOTIFICATIONS = "manage_notifications"
    VIEW_SENDER_HEALTH = "view_sender_health"
    VIEW_ANALYTICAL_REPORT = "view_analytical_report"
    SEND_ANALYTICAL_REPORT = "send_analytical_report"
    VIEW_ACTIVITY_REPORT = "view_activity_report"
    RUN_ANALYSIS = "run_analysis"
    MANAGE_SCHOOL_YEAR = "manage_school_year"
    DOWNLOAD_OWN_DATA = "download_own_data"


_EVERYONE = {
    Action.VIEW_HOME,
    Action.VIEW_PROFILE,
    Action.CHANGE_OWN_PASSWORD,
    Action.REPORT_OWN_COMPROMISE,
}

# The second factor (TOTP) is for staff accounts; families log in with a password only.
_STAFF = _EVERYONE | {Action.USE_SECOND_FACTOR}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(
        _STAFF
        | {
            Action.VIEW_USERS,
            Action.MANAGE_USERS,
            Action.MANAGE_SCHOOL_STRUCTURE,
            Action.VIEW_AUDIT_LOG,
            Action.VIEW_SCHOOL,
            Action.IMPORT_ROSTER,
            Action.ISSUE_CREDENTIALS,
            Action.MANAGE_TEACHING_LOAD,
            Action.VIEW_CONSENT,
            Action.END_GUARDIAN_LINK,
            Action.REPORT_COMPROMISE,
            Action.VIEW_INCIDENTS,
            Action.MANAGE_INCIDENTS,
            Action.SEND_MESSAGES,
            Action.VIEW_SENDER_HEALTH,
            Action.VIEW_ACTIVITY_REPORT,
            Action.RUN_ANALYSIS,
            Action.MANAGE_SCHOOL_YEAR,
        }
    ),
    Role.DEPUTY_HEAD: frozenset(
        _STAFF
        | {
            Action.VIEW_SCHOOL,
            Action.VIEW_CLASS,
            Action.VIEW_CLASS_JOURNAL,
            Action.MANAGE_TEACHING_LOAD,
            Action.MANAGE_STREAMS,
            Action.MANAGE_CALENDAR,
            Action.EDIT_CLOSED_PERIOD,
            Action.VIEW_CONSENT,
            Action.VIEW_EXTRACTS,
            Action.VIEW_INCIDENTS,
            Action.SEND_MESSAGES,
            Action.VIEW_ANALYTICAL_REPORT,
            Action.SEND_ANALYTICAL_REPORT,
            Action.VIEW_ACTIVITY_REPORT,
            Action.RUN_ANALYSIS,
        }
    ),
    Role.TEACHER: frozenset(_STAFF | {Action.VIEW_OWN_GROUPS, Action.EDIT_JOURNAL}),
    Role.CLASS_TEACHER: frozenset(
        _STAFF
        | {
            Action.VIEW_CLASS,
            Action.VIEW_CLASS_JOURNAL,
            Action.IMPORT_ROSTER,
            Action.ISSUE_CREDENTIALS,
            Action.MANAGE_STUDY_GROUPS,
            Action.VIEW_CONSENT,
            Action.RECORD_CONSENT,
            Action.VIEW_EXTRACTS,
            Action.PRINT_EXTRACTS,
            Action.END_GUARDIAN_LINK,
            Action.REPORT_COMPROMISE,
            Action.VIEW_INCIDENTS,
            Action.SEND_MESSAGES,
            Action.VIEW_ANALYTICAL_REPORT,
            Action.VIEW_ACTIVITY_REPORT,
        }
    ),
    Role.GUARDIAN: frozenset(
        _EVERYONE
        | {
            Action.VIEW_CHILD,
            Action.VIEW_CABINET,
            Action.ACKNOWLEDGE,
            Action.MANAGE_NOTIFICATIONS,
            Action.DOWNLOAD_OWN_DATA,
        }
    ),
    Role.STUDENT: frozenset(
        _EVERYONE | {Action.VIEW_SELF, Action.VIEW_CABINET, Action.MANAGE_NOTIFICATIONS}
    ),
}

# Roles whose scope is the whole school for the actions they hold.
SCHOOL_WIDE_ROLES = frozenset({Role.ADMIN, Role.DEPUTY_HEAD})


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or a named system process (CLI, login, demo)."""

    login: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    user_id: int | None = None
    staff_id: int | None = None
    guardian_id: int | None = None
    student_id: int | None = None
    session_id: str | None = None
    is_system: bool = False

    @classmethod
    def system(cls, name: str) -> Actor:
        """A process acting on its own behalf (CLI, demo seeding, the login form)."""
        return cls(login=f"system:{name}", is_system=True)

    def can(self, action: Action) -> bool:
        """Whether any of the actor's roles grants `action`; the system may do anything."""
        return self.is_system or any(action in ROLE_ACTIONS[role] for role in self.roles)

    def is_school_wide_for(self, action: Action) -> bool:
        """Whether `action` is granted to the actor across the whole school."""
        return self.is_system or any(
            role in SCHOOL_WIDE_ROLES and action in ROLE_ACTIONS[role] for role in self.roles
        )


def require(actor: Actor, action: Action) -> None:
    """Raise PermissionDenied unless the actor holds `action`."""
    if not actor.can(action):
        raise PermissionDenied("Недостаточно прав для этого действия.")


def actions_for(roles: frozenset[Role]) -> frozenset[Action]:
    """Every action any of `roles` grants."""
    granted: set[Action] = set()
    for role in roles:
        granted |= ROLE_ACTIONS[role]
    return frozenset(granted)
