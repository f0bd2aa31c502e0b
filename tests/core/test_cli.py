"""The command line: migrate, create-admin, clear errors with exit code 2."""

from __future__ import annotations

import io

from klassruk.cli import main
from klassruk.db import make_engine, make_session_factory
from klassruk.permissions import Role
from klassruk.schema import is_up_to_date
from klassruk.services.accounts import find_user_by_login


def test_migrate_brings_an_empty_database_to_head(database_url, capsys):
    assert main(["--database-url", database_url, "migrate"]) == 0
    assert is_up_to_date(database_url)
    assert "обновлена" in capsys.readouterr().out


def test_create_admin_reads_the_password_from_stdin(database_url, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Пароль администратора\n"))
    code = main(
        ["--database-url", database_url, "create-admin", "--login", " IT.Admin ",
         "--name", "Иванов Иван", "--password-stdin"]
    )
    assert code == 0
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        user = find_user_by_login(session, "it.admin")
        assert user is not None and user.roles == {Role.ADMIN}
    engine.dispose()


def test_create_admin_with_a_weak_password_fails_clearly_and_creates_nothing(
    database_url, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO("12345678\n"))
    code = main(
        ["--database-url", database_url, "create-admin", "--login", "it",
         "--name", "Иванов", "--password-stdin"]
    )
    assert code == 2
    assert "Ошибка:" in capsys.readouterr().err
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        assert find_user_by_login(session, "it") is None
    engine.dispose()
