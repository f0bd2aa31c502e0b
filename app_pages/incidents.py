"""Security incidents: report a compromised account; the admin voids, restores and closes."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.runtime import db_read
from components.kit.school import school_timezone
from components.security.incident_handling import (
    act_download,
    close_section,
    conflict_decision,
    incident_facts,
    incident_list,
    reinstated_code,
    void_section,
    voided_table,
)
from components.security.incidents import account_picker, compromise_form
from klassruk.access.permissions import Action
from klassruk.models.incidents import IncidentStatus, ItemOutcome
from klassruk.services.audit_trail import audit_names
from klassruk.services.incidents import list_incidents
from klassruk.services.incidents.voiding import voided_operations

actor = guard_page(__file__)
st.title("Инциденты безопасности")
show_outcome()
zone = school_timezone()
if actor.can(Action.REPORT_COMPROMISE):
    with st.expander("Сообщить о компрометации учётной записи"):
        target = account_picker(actor)
        if target is not None:
            login, name = target
            compromise_form(actor, login=login, key="incident_report", who=name)

with db_read(actor) as session:
    incidents = list_incidents(session, actor)
if not incidents:
    st.info("Инцидентов пока нет.")
    st.stop()
incident = incident_list(incidents, zone)
incident_facts(incident, zone)

manage = actor.can(Action.MANAGE_INCIDENTS)
is_open = incident.status is IncidentStatus.OPEN
if manage and is_open:
    void_section(actor, incident, zone)
with db_read(actor) as session:
    operations = voided_operations(session, actor, incident_id=incident.id)
    names = audit_names(session, [o.audit for o in operations])
voided_table(operations, zone, names)
conflicts = [o for o in operations if o.outcome is ItemOutcome.CONFLICT]
if manage and conflicts:
    st.subheader("Конфликты: решите вручную")
    for item in conflicts:
        conflict_decision(actor, item, zone, names)
if manage and is_open:
    close_section(actor, incident)
reinstated_code(actor, incident, zone)
if actor.is_school_wide_for(Action.VIEW_INCIDENTS):
    act_download(incident, operations, zone, names)
