"""Consent register of a class: states, forms to print, recording and correcting, the paper list."""

import streamlit as st

from components.class_teacher import consent, consent_history, family_links
from components.kit.auth import guard_page
from components.kit.feedback import act, show_outcome
from components.kit.pickers import class_picker
from components.kit.runtime import db_read
from components.kit.school import today
from klassruk.access.permissions import Action
from klassruk.services.consent.register import class_consent, set_student_own_consent_required
from klassruk.services.delivery import student_own_consent_required

actor = guard_page(__file__)
st.title("Согласия на обработку персональных данных")
show_outcome()
on = today()
if actor.can(Action.MANAGE_SCHOOL_STRUCTURE):
    with db_read(actor) as session:
        students_asked = student_own_consent_required(session)
    wanted = st.toggle(
        "Школа собирает собственное согласие обучающихся 14 лет и старше",
        value=students_asked, key="consent_students_own",
    )
    if wanted != students_asked:
        act(actor, lambda session: set_student_own_consent_required(
            session, actor, required=wanted
        ), "Настройка сохранена.")
chosen = class_picker(actor, Action.VIEW_CONSENT, key="consent_class")
if chosen is None:
    st.stop()
with db_read(actor) as session:
    board = class_consent(session, actor, class_id=chosen.class_id, on=on)

consent.state_table(board, chosen)
consent.forms(actor, board, chosen, on)
if actor.can(Action.RECORD_CONSENT):
    consent.record(actor, board, chosen, on)
    consent.undo(actor, board, chosen, on)
family_links.end_link(actor, board, on)
st.subheader("Бумажный список")
consent.paper_list(board.paper, key="consent_paper_list")
consent_history.history(actor, board, chosen, on)
