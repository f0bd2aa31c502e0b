"""Security incidents: a reported compromise blocks the account, voids what was done with it."""

from klassruk.services.incidents.closing import close_incident
from klassruk.services.incidents.records import IncidentRow, get_incident, list_incidents
from klassruk.services.incidents.reports import report_compromise
from klassruk.services.incidents.voiding import (
    VoidedOperation,
    VoidSummary,
    decide_conflict,
    operations_to_void,
    void_operations,
    voided_operations,
)

__all__ = [
    "IncidentRow",
    "VoidSummary",
    "VoidedOperation",
    "close_incident",
    "decide_conflict",
    "get_incident",
    "list_incidents",
    "operations_to_void",
    "report_compromise",
    "void_operations",
    "voided_operations",
]
