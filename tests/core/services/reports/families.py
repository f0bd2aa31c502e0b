"""A school with families' activity and acknowledgements, for the activity and rate reports."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from klassruk.models.accounts import UserAccount
from klassruk.models.families import (
    AckChannel,
    AckKind,
    Acknowledgement,
    FamilyActivity,
    FamilyEvent,
)
from klassruk.models.journal import PeriodGrade, Recommendation
from klassruk.models.school import Guardian, GuardianLink, Relation, ReportingPeriod
from tests.factories import build_two_classes

STARTS, ENDS = date(2026, 11, 9), date(2026, 11, 30)


def _ack(session, guardian_id, student_id, week, channel, at):
    session.add(Acknowledgement(guardian_id=guardian_id, student_id=student_id,
                                kind=AckKind.WEEK, week_start=week, shown={}, digest="0" * 64,
                                channel=channel, acknowledged_at=at))


def build_activity_school(session):
    """Two classes; 7А's families with logins, screens and acknowledgements in November."""
    school = build_two_classes(session)
    mother = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))
    assert mother is not None and mother.guardian_id is not None
    mother.last_login_at = datetime(2026, 11, 27, 16, tzinfo=UTC)
    father = Guardian(last_name="Орлов", first_name="Игорь")
    former = Guardian(last_name="Орлова", first_name="Анна")
    session.add_all([father, former])
    session.flush()
    session.add_all([
        GuardianLink(guardian_id=father.id, student_id=school.student_a, relation=Relation.FATHER),
        GuardianLink(guardian_id=former.id, student_id=school.student_a,
                     relation=Relation.GUARDIAN, ends_on=date(2026, 10, 1)),
    ])
    week = date(2026, 11, 23)

    def event(kind, section=None, class_id=school.class_a, on_week=week):
        session.add(FamilyActivity(week_start=on_week, user_id=mother.id,
                                   student_id=school.student_a, class_id=class_id, event=kind,
                                   section=section))

    event(FamilyEvent.LOGIN)
    event(FamilyEvent.LOGIN)
    event(FamilyEvent.SCREEN, "grades")
    event(FamilyEvent.SCREEN, "grades")
    event(FamilyEvent.SCREEN, "homework")
    event(FamilyEvent.LOGIN, on_week=date(2026, 11, 2))  # before the chosen weeks
    _ack(session, mother.guardian_id, school.student_a, date(2026, 11, 16), AckChannel.WEB,
         datetime(2026, 11, 21, 10, tzinfo=UTC))
    _ack(session, mother.guardian_id, school.student_a, week, AckChannel.PAPER,
         datetime(2026, 11, 25, 10, tzinfo=UTC))
    period = ReportingPeriod(school_year_id=1, name="1 четверть", starts_on=date(2026, 9, 1),
                             ends_on=date(2026, 10, 31))
    session.add(period)
    session.flush()
    grade = PeriodGrade(period_id=period.id, student_id=school.student_a, subject_id=1,
                        group_id=school.group_a, value=4, set_by="t")
    advice = Recommendation(student_id=school.student_a, subject_id=1, text="Читать больше",
                            created_by="t")
    session.add_all([grade, advice])
    session.flush()
    # The mother signed the recommendation, not the period grade; the father signed nothing.
    session.add(Acknowledgement(guardian_id=mother.guardian_id, student_id=school.student_a,
                                kind=AckKind.RECOMMENDATION, item_id=advice.id, shown={},
                                digest="0" * 64, channel=AckChannel.EMAIL_LINK,
                                acknowledged_at=datetime(2026, 11, 24, tzinfo=UTC)))
    session.flush()
    return school
