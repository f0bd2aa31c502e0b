"""Paper extracts for the class's paper families: print a batch, keep the register, the schedule."""

import streamlit as st

from components.class_teacher import extracts
from components.class_teacher.consent import paper_list
from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.pickers import class_picker
from components.kit.runtime import db_read
from components.kit.school import today
from klassruk.access.permissions import Action
from klassruk.services import calendar
from klassruk.services.consent.register import class_consent
from klassruk.services.extracts.register import extract_register
from klassruk.services.extracts.schedule import due_range, schedule_of

actor = guard_page(__file__)
st.title("Бумажные выписки из журнала")
show_outcome()
on = today()
chosen = class_picker(actor, Action.VIEW_EXTRACTS, key="extracts_class")
if chosen is None:
    st.stop()
may_print = actor.can(Action.PRINT_EXTRACTS)
with db_read(actor) as session:
    periods = calendar.list_periods(session)
    board = class_consent(session, actor, class_id=chosen.class_id, on=on)
    schedule = schedule_of(session, actor, class_id=chosen.class_id)
    due = due_range(session, schedule, on) if schedule is not None else None
    register = extract_register(session, actor, class_id=chosen.class_id, on=on)

st.subheader(f"Бумажный список: {len(board.paper)}")
paper_list(board.paper, key="extracts_paper_list")
if may_print and board.paper:
    extracts.print_batch(actor, chosen, periods, on, due)
extracts.download(chosen)

st.subheader("Реестр выписок")
if not register:
    st.caption("Выписок ещё не печатали.")
else:
    extracts.register_table(register, chosen)
    if may_print:
        extracts.register_marks(actor, register, chosen, on)

st.subheader("График выдачи")
extracts.schedule_form(actor, chosen, schedule, due, on, may_set=may_print)
