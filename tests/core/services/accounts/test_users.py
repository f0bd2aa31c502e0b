"""Creating accounts: a login is unique whatever its case and spacing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.access.permissions import Role
from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.services.accounts.users import author_names
from tests.factories import (
    SYSTEM,
    make_account,
)


def test_duplicate_login_is_refused(factory, teacher):
    with pytest.raises(DomainError, match="занят"), unit_of_work(factory, SYSTEM) as session:
        make_account(session, "PETROVA.anna", {Role.TEACHER})
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(UserAccount)) == 1


def test_authors_are_people_by_name_and_processes_in_russian(session):
    make_account(session, "uchitel.ivanova", {Role.TEACHER})
    assert author_names(
        session, {"uchitel.ivanova", "system:demo", "system:retention", "ushedshiy"}
    ) == {
        "uchitel.ivanova": "Uchitel.Ivanova",  # the account's display name
        "system:demo": "система (демо-данные)",
        "system:retention": "система",
        "ushedshiy": "ushedshiy",  # no account any more: the login is all there is
    }
