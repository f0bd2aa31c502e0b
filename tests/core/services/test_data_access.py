"""The personal-data access log: one cheap row per opening, read per student and per user."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.errors import PermissionDenied
from klassruk.models import AuditLog
from klassruk.models.incidents import DataAccess
from klassruk.services.data_access import access_log, find_students, record_access
from tests.factories import actor_of, build_two_classes


def test_openings_are_logged_and_read_per_student_and_per_user(session):
    two = build_two_classes(session)
    session.flush()
    audit_rows = session.scalar(select(func.count()).select_from(AuditLog))
    ct_a, ct_b = actor_of(session, "ct_a"), actor_of(session, "ct_b")
    record_access(session, ct_a, kind=DataAccess.CLASS_LIST, class_id=two.class_a)
    record_access(session, ct_a, kind=DataAccess.STUDENT_CARD, student_id=two.student_a,
                  class_id=two.class_a)
    record_access(session, ct_b, kind=DataAccess.CLASS_LIST, class_id=two.class_b)
    # Reading is not a write of school data: nothing goes to the audit log.
    assert session.scalar(select(func.count()).select_from(AuditLog)) == audit_rows

    admin = actor_of(session, "admin")
    about_orlov = access_log(session, admin, student_id=two.student_a)
    assert [(r.who, r.kind, r.student, r.class_name) for r in about_orlov] == [
        ("Ct_A", DataAccess.STUDENT_CARD, "Орлов Пётр", "7А"),
        ("Ct_A", DataAccess.CLASS_LIST, None, "7А"),
    ]
    by_ct_b = access_log(session, admin, user_id=ct_b.user_id)
    assert [(r.kind, r.class_name) for r in by_ct_b] == [(DataAccess.CLASS_LIST, "8Б")]
    assert [s.name for s in find_students(session, admin, search="ОРЛОВ")] == ["Орлов Пётр"]


@pytest.mark.parametrize("login", ["ct_a", "zavuch", "parent_a"])
def test_only_the_admin_reads_the_access_log(session, login):
    two = build_two_classes(session)
    session.flush()
    with pytest.raises(PermissionDenied):
        access_log(session, actor_of(session, login), student_id=two.student_a)
