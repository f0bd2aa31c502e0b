"""Settings: environment over secrets file; a strong cookie key is generated and kept."""

from __future__ import annotations

import stat

import pytest

from klassruk.infra.settings import ConfigurationError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in (
        "DATABASE_URL", "KLASSRUK_COOKIE_KEY", "KLASSRUK_LOCKOUT_MAX_FAILURES"
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KLASSRUK_DATA_DIR", str(tmp_path / "data"))


def test_defaults_use_sqlite_under_data_and_generate_a_private_key(tmp_path):
    settings = load_settings(tmp_path / "missing.toml")
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'klassruk.sqlite3'}"
    key_file = tmp_path / "data" / "cookie_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(settings.cookie_key) >= 32
    assert settings.lockout_max_failures == 5 and settings.lockout_minutes == 15
    # A restart keeps the same key, so sessions survive it.
    assert load_settings(tmp_path / "missing.toml").cookie_key == settings.cookie_key


def test_secrets_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'DATABASE_URL = "postgresql+psycopg://u@h/db"\n'
        'KLASSRUK_COOKIE_KEY = "' + "k" * 40 + '"\n'
        "KLASSRUK_LOCKOUT_MAX_FAILURES = 3\n",
        encoding="utf-8",
    )
    settings = load_settings(secrets)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.cookie_key == "k" * 40
    assert settings.lockout_max_failures == 3
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    assert load_settings(secrets).database_url == "sqlite:///elsewhere.sqlite3"


def test_weak_cookie_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("KLASSRUK_COOKIE_KEY", "some_key")
    with pytest.raises(ConfigurationError, match="KLASSRUK_COOKIE_KEY"):
        load_settings(tmp_path / "missing.toml")



def test_the_sender_hands_over_with_as_many_workers_as_set(tmp_path, monkeypatch):
    from klassruk.cli import sender_config

    assert sender_config(load_settings(tmp_path / "missing.toml")).workers == 4
    monkeypatch.setenv("KLASSRUK_SEND_WORKERS", "8")
    assert sender_config(load_settings(tmp_path / "missing.toml")).workers == 8
