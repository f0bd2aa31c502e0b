"""The command line: migrate, create-admin, clear errors with exit code 2."""

from __future__ import annotations

import io

import pytest

from klassruk.access.permissions import Role
from klassruk.cli import main
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.infra.schema import is_up_to_date
from klassruk.services.accounts.login import find_user_by_login


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


def test_demo_is_refused_in_a_real_school_with_only_its_first_admin(database_url, capsys):
    from klassruk.access.permissions import Actor
    from klassruk.infra.db import unit_of_work
    from klassruk.infra.schema import upgrade_to_head
    from klassruk.services.school_settings import read_school_settings
    from klassruk.setup import create_first_admin

    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with unit_of_work(factory, Actor.system("setup")) as session:
        create_first_admin(
            session, Actor.system("setup"), school_name="МБОУ СОШ № 1", last_name="Иванов",
            first_name="Иван", middle_name="", login="it", password="Пароль администратора",
            confirmation="Пароль администратора",
        )
    assert main(["--database-url", database_url, "demo", "--first-grade", "5",
                 "--last-grade", "5", "--classes-per-grade", "1"]) == 2
    assert "только в пустой базе" in capsys.readouterr().err
    with factory() as session:
        assert not read_school_settings(session).demo_mode
        assert find_user_by_login(session, "admin") is None
    engine.dispose()


def test_first_admin_and_demo_racing_on_an_empty_database_never_both_succeed(database_url):
    import threading

    from klassruk.access.permissions import Actor
    from klassruk.demo import seed_demo_school
    from klassruk.demo.catalogue import DemoSize
    from klassruk.errors import DomainError
    from klassruk.infra.db import unit_of_work
    from klassruk.infra.schema import upgrade_to_head
    from klassruk.models.accounts import UserAccount
    from klassruk.setup import create_first_admin

    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    claimed, outcomes = threading.Event(), {}

    def demo() -> None:
        claimed.wait()
        try:
            with unit_of_work(factory, Actor.system("demo")) as session:
                seed_demo_school(session, size=DemoSize(grades=(5,), classes_per_grade=1,
                                                        students_per_class=3))
            outcomes["demo"] = "ok"
        except DomainError as error:
            outcomes["demo"] = str(error)

    racer = threading.Thread(target=demo)
    racer.start()
    with unit_of_work(factory, Actor.system("setup")) as session:
        create_first_admin(
            session, Actor.system("setup"), school_name="МБОУ СОШ № 1", last_name="Иванов",
            first_name="Иван", middle_name="", login="it", password="Пароль администратора",
            confirmation="Пароль администратора",
        )
        claimed.set()  # the demo now starts while this transaction still holds the claim
    racer.join()
    assert "только в пустой базе" in outcomes["demo"]
    with factory() as session:
        assert [u.login for u in session.query(UserAccount)] == ["it"]
    engine.dispose()


def test_serve_starts_streamlit_with_uvicorns_proxy_trust_from_our_setting(
    monkeypatch, tmp_path
):
    started: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr("os.execve", lambda _path, argv, env: started.append((argv, env)))
    monkeypatch.setenv("KLASSRUK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # whatever was there before
    monkeypatch.delenv("KLASSRUK_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert main(["serve", "--server.port", "8601"]) == 0
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")  # a school's own tuning is kept
    monkeypatch.setenv("KLASSRUK_TRUSTED_PROXIES", "10.0.0.5")
    assert main(["--database-url", "sqlite:///x.sqlite3", "serve", "--script", "app.py",
                 "--server.headless", "true"]) == 0
    (first, untrusted), (second, trusted) = started
    assert first[1:] == [
        "-m", "components.kit.streamlit_server", "run", "serve.py", "--server.port", "8601"
    ]
    assert second[-3:] == ["app.py", "--server.headless", "true"]
    assert untrusted["FORWARDED_ALLOW_IPS"] == ""  # uvicorn then trusts no peer
    assert trusted["FORWARDED_ALLOW_IPS"] == "10.0.0.5/32"
    assert trusted["DATABASE_URL"] == "sqlite:///x.sqlite3"
    # Argon2id's 19 MiB blocks are mapped and given back, not kept in the threads' heaps.
    assert untrusted["MALLOC_MMAP_THRESHOLD_"] == "1048576"
    assert trusted["MALLOC_MMAP_THRESHOLD_"] == "65536"


def test_options_for_streamlit_are_refused_by_other_commands(database_url):
    with pytest.raises(SystemExit) as refused:
        main(["--database-url", database_url, "migrate", "--server.port", "8601"])
    assert refused.value.code == 2
