"""Settings read from the environment first, then `.streamlit/secrets.toml`, then defaults."""

from __future__ import annotations

import ipaddress
import os
import secrets
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
COOKIE_KEY_FILE_NAME = "cookie_key"
MIN_COOKIE_KEY_LENGTH = 32
# uvicorn, Streamlit's web server, replaces the client address with X-Forwarded-For for the
# peers this variable lists, read once as the server starts; unset, it trusts loopback.
SERVER_TRUST_VARIABLE = "FORWARDED_ALLOW_IPS"
_SERVER_DEFAULT_TRUST = "127.0.0.1,::1"


class ConfigurationError(RuntimeError):
    """The configuration cannot be used as it is."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its deployment."""

    database_url: str
    data_dir: Path
    cookie_name: str
    cookie_key: str
    cookie_expiry_days: float
    lockout_max_failures: int
    lockout_minutes: int
    app_url: str
    # Failed logins per client address before delays start, the window they are counted in,
    # the longest delay, and the school-wide count in a window that alerts the admins.
    throttle_address_failures: int = 10
    throttle_window_minutes: int = 15
    throttle_max_delay_minutes: int = 15
    spray_alert_failures: int = 50
    # Addresses or networks of our own reverse proxies: only a request whose TCP peer is one
    # of them has its X-Forwarded-For believed (services/throttling.client_address_from).
    trusted_proxies: tuple[str, ...] = ()
    # Where `python -m klassruk backup` writes, and the passphrase that encrypts the copies.
    backup_dir: Path = DEFAULT_DATA_DIR / "backups"
    backup_passphrase: str = ""
    # Retention (klassruk/operations/retention.py): guardians' contacts and consent scans go
    # this many years after the child left; logs and activity this many months after.
    retention_family_years: int = 3
    retention_log_months: int = 12
    # Notifications: SMTP (empty host: no e-mail), the SMS gateway (empty provider: no SMS),
    # provider rate limits, retries.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "noreply@localhost"
    sms_provider: str = ""
    sms_url: str = ""
    sms_api_key: str = ""
    sms_sender: str = ""
    email_per_minute: int = 600
    sms_per_minute: int = 60
    send_max_attempts: int = 5
    send_backoff_seconds: int = 60
    send_workers: int = 4


def _read_secrets_file(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _lookup(name: str, file_values: dict[str, object], default: str | None = None) -> str | None:
    if name in os.environ and os.environ[name] != "":
        return os.environ[name]
    value = file_values.get(name, file_values.get(name.lower()))
    return str(value) if value is not None else default


def ensure_private_dir(path: Path) -> None:
    """Create `path` (or tighten it) so only the app's user can list and read it: 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def load_or_create_cookie_key(data_dir: Path) -> str:
    """Return the key kept in `data_dir`, creating a strong one readable by the owner only."""
    ensure_private_dir(data_dir)
    key_file = data_dir / COOKIE_KEY_FILE_NAME
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key



def load_settings(secrets_file: Path = SECRETS_FILE) -> Settings:
    """Build the settings of this process."""
    values = _read_secrets_file(secrets_file)
    data_dir = Path(_lookup("KLASSRUK_DATA_DIR", values) or DEFAULT_DATA_DIR)
    database_url = _lookup("DATABASE_URL", values) or f"sqlite:///{data_dir / 'klassruk.sqlite3'}"
    cookie_key = _lookup("KLASSRUK_COOKIE_KEY", values) or load_or_create_cookie_key(data_dir)
    if len(cookie_key) < MIN_COOKIE_KEY_LENGTH:
        raise ConfigurationError(
            f"KLASSRUK_COOKIE_KEY is shorter than {MIN_COOKIE_KEY_LENGTH} characters; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        cookie_name=_lookup("KLASSRUK_COOKIE_NAME", values, "klassruk_auth") or "klassruk_auth",
        cookie_key=cookie_key,
        cookie_expiry_days=float(_lookup("KLASSRUK_COOKIE_EXPIRY_DAYS", values, "7") or 7),
        lockout_max_failures=int(_lookup("KLASSRUK_LOCKOUT_MAX_FAILURES", values, "5") or 5),
        lockout_minutes=int(_lookup("KLASSRUK_LOCKOUT_MINUTES", values, "15") or 15),
        app_url=_lookup("KLASSRUK_APP_URL", values, "http://localhost:8501") or "",
        throttle_address_failures=int(
            _lookup("KLASSRUK_THROTTLE_ADDRESS_FAILURES", values, "10") or 10
        ),
        throttle_window_minutes=int(
            _lookup("KLASSRUK_THROTTLE_WINDOW_MINUTES", values, "15") or 15
        ),
        throttle_max_delay_minutes=int(
            _lookup("KLASSRUK_THROTTLE_MAX_DELAY_MINUTES", values, "15") or 15
        ),
        spray_alert_failures=int(_lookup("KLASSRUK_SPRAY_ALERT_FAILURES", values, "50") or 50),
        trusted_proxies=parse_proxies(_lookup("KLASSRUK_TRUSTED_PROXIES", values, "") or ""),
        backup_dir=Path(_lookup("KLASSRUK_BACKUP_DIR", values) or data_dir / "backups"),
        backup_passphrase=_lookup("KLASSRUK_BACKUP_PASSPHRASE", values) or "",
        retention_family_years=int(
            _lookup("KLASSRUK_RETENTION_FAMILY_YEARS", values, "3") or 3
        ),
        retention_log_months=int(_lookup("KLASSRUK_RETENTION_LOG_MONTHS", values, "12") or 12),
        smtp_host=_lookup("KLASSRUK_SMTP_HOST", values, "") or "",
        smtp_port=int(_lookup("KLASSRUK_SMTP_PORT", values, "587") or 587),
        smtp_security=_choice(
            _lookup("KLASSRUK_SMTP_SECURITY", values, "starttls"), "KLASSRUK_SMTP_SECURITY",
            ("starttls", "ssl", "none"),
        ),
        smtp_user=_lookup("KLASSRUK_SMTP_USER", values, "") or "",
        smtp_password=_lookup("KLASSRUK_SMTP_PASSWORD", values, "") or "",
        mail_from=_lookup("KLASSRUK_MAIL_FROM", values, "noreply@localhost") or "",
        sms_provider=_choice(
            _lookup("KLASSRUK_SMS_PROVIDER", values, ""), "KLASSRUK_SMS_PROVIDER",
            ("", "smsru", "webhook"),
        ),
        sms_url=_lookup("KLASSRUK_SMS_URL", values, "") or "",
        sms_api_key=_lookup("KLASSRUK_SMS_API_KEY", values, "") or "",
        sms_sender=_lookup("KLASSRUK_SMS_SENDER", values, "") or "",
        email_per_minute=int(_lookup("KLASSRUK_EMAIL_PER_MINUTE", values, "600") or 600),
        sms_per_minute=int(_lookup("KLASSRUK_SMS_PER_MINUTE", values, "60") or 60),
        send_max_attempts=int(_lookup("KLASSRUK_SEND_MAX_ATTEMPTS", values, "5") or 5),
        send_backoff_seconds=int(_lookup("KLASSRUK_SEND_BACKOFF_SECONDS", values, "60") or 60),
        send_workers=max(1, int(_lookup("KLASSRUK_SEND_WORKERS", values, "4") or 4)),
    )


def parse_proxies(value: str) -> tuple[str, ...]:
    """Proxy addresses or networks (CIDR), separated by commas or spaces, checked."""
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigurationError(
                f"KLASSRUK_TRUSTED_PROXIES: «{item}» is not an IP address or network (CIDR)"
            ) from None
    return tuple(networks)


def server_trust(proxies: Sequence[str]) -> str:
    """uvicorn's FORWARDED_ALLOW_IPS for exactly our proxies: empty, it trusts no peer."""
    return ",".join(proxies)


def check_server_trust(proxies: Sequence[str], environ: Mapping[str, str]) -> None:
    """Refuse a web server that would take X-Forwarded-For from a peer not among our proxies."""
    value = environ.get(SERVER_TRUST_VARIABLE, _SERVER_DEFAULT_TRUST)
    ours = [ipaddress.ip_network(proxy) for proxy in proxies]
    for item in (part.strip() for part in value.split(",")):
        if item and not _within(item, ours):
            raise ConfigurationError(
                f"{SERVER_TRUST_VARIABLE}={value!r} makes the web server believe "
                f"X-Forwarded-For from {item}, which KLASSRUK_TRUSTED_PROXIES does not list: "
                "start the app with `python -m klassruk serve`, which sets one from the other"
            )


def _within(item: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        network = ipaddress.ip_network(item, strict=False)
    except ValueError:  # "*" (every peer) or a name: not one of our proxies
        return False
    return any(
        network.network_address in ours and network.broadcast_address in ours
        for ours in networks
    )


def _choice(value: str | None, name: str, allowed: tuple[str, ...]) -> str:
    value = (value or "").strip().lower()
    if value not in allowed:
        names = ", ".join(a or "(empty)" for a in allowed)
        raise ConfigurationError(f"{name} must be one of: {names}")
    return value
