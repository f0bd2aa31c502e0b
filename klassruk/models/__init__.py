"""All tables; importing this package registers every model on `Base.metadata`."""

from klassruk.models import consent as consent  # registers the consent register
from klassruk.models import extracts as extracts  # registers the paper extracts
from klassruk.models import journal as journal  # registers the journal tables
from klassruk.models import notifications as notifications  # registers the outbox
from klassruk.models import reports as reports  # registers the sent reports
from klassruk.models import versions as versions  # registers the data versions
from klassruk.models.accounts import (
    ACCOUNT_STATUS_TITLES,
    AccountStatus,
    AppSetting,
    RecoveryCode,
    UserAccount,
    UserRole,
)
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.credentials import ActivationCode
from klassruk.models.families import (
    AckChannel,
    AckKind,
    Acknowledgement,
    FamilyActivity,
    FamilyEvent,
)
from klassruk.models.incidents import (
    DataAccess,
    DataAccessLog,
    IncidentItem,
    IncidentStatus,
    ItemOutcome,
    Notice,
    ReporterKind,
    SecurityIncident,
)
from klassruk.models.logs import ActivityLog, AuditLog
from klassruk.models.school import (
    RELATION_TITLES,
    Enrolment,
    GroupKind,
    GroupMembership,
    Guardian,
    GuardianLink,
    Holiday,
    Relation,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)

__all__ = [
    "ACCOUNT_STATUS_TITLES",
    "RELATION_TITLES",
    "AccountStatus",
    "AckChannel",
    "AckKind",
    "Acknowledgement",
    "ActivationCode",
    "ActivityLog",
    "AppSetting",
    "AuditLog",
    "Base",
    "DataAccess",
    "DataAccessLog",
    "Enrolment",
    "FamilyActivity",
    "FamilyEvent",
    "GroupKind",
    "GroupMembership",
    "Guardian",
    "GuardianLink",
    "Holiday",
    "IncidentItem",
    "IncidentStatus",
    "ItemOutcome",
    "Notice",
    "RecoveryCode",
    "Relation",
    "ReporterKind",
    "ReportingPeriod",
    "SchoolClass",
    "SchoolYear",
    "SecurityIncident",
    "Staff",
    "Student",
    "StudyGroup",
    "Subject",
    "TeachingAssignment",
    "UTCDateTime",
    "UserAccount",
    "UserRole",
]
