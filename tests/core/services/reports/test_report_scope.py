"""Report services without a class id in their signature, joined to the scope matrix by hand.

test_scope_everywhere.py already calls every report service that takes a class or period id
(analytical_report, send_analytical_report, send_to_all_classes, activity_report) as each
scoped actor on 8Б's objects. These take a sent report's id or no object at all; every
scoped role of that matrix is refused here, and a class teacher's list holds only own classes.
"""

from __future__ import annotations

from datetime import date

import pytest

from klassruk.access.permissions import Action, Role
from klassruk.errors import NotFound, PermissionDenied
from klassruk.models.reports import SentReport
from klassruk.models.school import ReportingPeriod
from klassruk.services.reports.pivot import Dimension, Filters, Measure, analysis_options, pivot
from klassruk.services.reports.rates import classes_compared
from klassruk.services.reports.sending import mark_read, open_sent_report, sent_reports
from tests.factories import act_as, build_two_classes, make_account
from tests.frozen import TODAY

SCOPED = ["ct_a", "teacher_a", "parent_a", "pupil_a", "ct_nolink", "teacher_nolink"]


@pytest.fixture
def foreign_report(session):
    school = build_two_classes(session)
    make_account(session, "ct_nolink", {Role.CLASS_TEACHER})
    make_account(session, "teacher_nolink", {Role.TEACHER})
    sent = SentReport(class_id=school.class_b, period_id=_period(session), sent_by="Завуч",
                      snapshot={})
    session.add(sent)
    session.flush()
    return sent.id


def _period(session):
    period = ReportingPeriod(school_year_id=1, name="2 четверть", starts_on=date(2026, 11, 1),
                             ends_on=date(2026, 12, 28))
    session.add(period)
    session.flush()
    return period.id


@pytest.mark.parametrize("login", SCOPED)
def test_scoped_roles_reach_no_report_of_another_class(session, foreign_report, login):
    actor = act_as(session, login)
    with pytest.raises((PermissionDenied, NotFound)):
        open_sent_report(session, actor, report_id=foreign_report)
    with pytest.raises((PermissionDenied, NotFound)):
        mark_read(session, actor, report_id=foreign_report)
    if actor.can(Action.VIEW_ANALYTICAL_REPORT):
        assert sent_reports(session, actor) == []
    else:
        with pytest.raises(PermissionDenied):
            sent_reports(session, actor)
    with pytest.raises(PermissionDenied):
        classes_compared(session, actor, starts_on=TODAY, ends_on=TODAY, on=TODAY)
    with pytest.raises(PermissionDenied):
        pivot(session, actor, measure=Measure.GRADES, rows=Dimension.CLASS, columns=None,
              filters=Filters(), on=TODAY)
    with pytest.raises(PermissionDenied):
        analysis_options(session, actor)
