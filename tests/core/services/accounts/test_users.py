"""Creating accounts: a login is unique whatever its case and spacing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.access.permissions import Role
from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from tests.factories import (
    SYSTEM,
    make_account,
)


def test_duplicate_login_is_refused(factory, teacher):
    with pytest.raises(DomainError, match="занят"), unit_of_work(factory, SYSTEM) as session:
        make_account(session, "PETROVA.anna", {Role.TEACHER})
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(UserAccount)) == 1
