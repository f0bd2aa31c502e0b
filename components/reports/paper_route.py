"""Moving a family of the activity report to paper: the statement's form, then a confirmation."""

# Usage: `move_to_paper(actor, chosen, report, row)` under the report's family picker draws a
# form for the guardian's signed statement (№, date, reason). A valid statement is held for a
# confirmation naming the guardian and the children of the class; the confirmed move runs as
# one write and announces its outcome, after which the report shows the family's route.

from __future__ import annotations

from datetime import date

import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act, reported_errors
from components.kit.school import today
from klassruk.access.permissions import Actor
from klassruk.services.consent.paper_route import (
    PaperStatement,
    check_statement,
    move_family_to_paper,
)
from klassruk.services.delivery import Route
from klassruk.services.reports.activity import ActivityReport, FamilyRow
from klassruk.services.scope.classes import ClassChoice
from klassruk.text.formatting import format_date
from klassruk.text.russian import Case, about, decline_name, listing

PAPER_CONFIRM = "act_paper_confirm"


def paper_question(guardian: str, rows: list[FamilyRow], statement: PaperStatement) -> str:
    """What the move does and to whom (the guardian's children in the class), names in cases."""
    electronic = [r.child for r in rows if r.route is Route.ELECTRONIC]
    paper = [f"{r.child} ({r.route_reason})" for r in rows if r.route is not Route.ELECTRONIC]
    question = (
        f"Перевести {decline_name(guardian, Case.ACCUSATIVE)} на бумажные выписки по заявлению "
        f"№ {statement.form_number} от {format_date(statement.signed_on)}?"
    )
    if electronic:
        question += (
            f" Сведения {listing([about(child) for child in electronic])} школа будет выдавать "
            "на бумаге; электронная доставка этих сведений прекратится сразу."
        )
    if paper:
        question += f" Уже на бумаге: {'; '.join(paper)}."
    return f"{question} Причина: {statement.reason}."


def move_to_paper(actor: Actor, chosen: ClassChoice, report: ActivityReport,
                  row: FamilyRow) -> None:
    """The statement's form for the chosen family's guardian, and the pending confirmation."""
    family = [r for r in report.rows if r.guardian_id == row.guardian_id]
    on = today()
    title = "Перевести на бумагу (по заявлению родителя)"
    with st.expander(title, icon=":material/description:"), st.form("act_paper_form"):
        left, right = st.columns(2)
        number = left.text_input("№ заявления", max_chars=40, key="act_paper_number")
        signed_on = right.date_input("Дата подписи", value=on, max_value=on,
                                     format="DD.MM.YYYY", key="act_paper_signed_on")
        reason = st.text_input("Причина", max_chars=500, key="act_paper_reason",
                               placeholder="например, нет интернета дома")
        submitted = st.form_submit_button("Перевести на бумагу", key="act_paper_submit")
    if submitted:
        with reported_errors():
            statement = check_statement(
                form_number=number, signed_on=signed_on if isinstance(signed_on, date) else None,
                reason=reason, on=on,
            )
            ask(PAPER_CONFIRM, Risky(
                paper_question(row.guardian, family, statement), "Перевести на бумагу",
                payload=(row.guardian_id, statement),
            ))
    answer = confirmed(PAPER_CONFIRM)
    if answer is not None:
        guardian_id, statement = answer.payload
        act(actor, lambda session: move_family_to_paper(
            session, actor, guardian_id=guardian_id, class_id=chosen.class_id,
            form_number=statement.form_number, signed_on=statement.signed_on,
            reason=statement.reason, on=on,
        ), lambda move: move.message)
