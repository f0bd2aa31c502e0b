"""School IT's command line: migrate, demo, administrator, backup, rollover, sender, serve."""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from klassruk.access.permissions import Actor, Role
from klassruk.clock import school_today, utcnow
from klassruk.errors import DomainError
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.infra.schema import upgrade_to_head
from klassruk.infra.settings import (
    SERVER_TRUST_VARIABLE,
    Settings,
    load_settings,
    server_trust,
)
from klassruk.models.notifications import Channel
from klassruk.operations.backup import describe_tables, make_backup, restore_backup
from klassruk.services.accounts.users import create_user
from klassruk.services.notifications.digests import LinkSettings
from klassruk.services.notifications.sender import SenderConfig, run_forever, run_pass
from klassruk.services.school_settings import DEFAULT_TIMEZONE

CLI_ACTOR = Actor.system("cli")


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Пароль: ")
    second = getpass.getpass("Пароль ещё раз: ")
    if first != second:
        raise DomainError("Пароли не совпадают.")
    return first


def _command_migrate(database_url: str, _args: argparse.Namespace) -> None:
    upgrade_to_head(database_url)
    print("Схема базы данных обновлена до последней версии.")


def _command_demo(database_url: str, args: argparse.Namespace) -> None:
    from klassruk.demo import seed_demo_school
    from klassruk.demo.catalogue import DemoSize

    upgrade_to_head(database_url)
    size = DemoSize(
        grades=tuple(range(args.first_grade, args.last_grade + 1)),
        classes_per_grade=args.classes_per_grade,
        students_per_class=args.students_per_class,
    )
    started = time.perf_counter()
    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory, CLI_ACTOR) as session:
        school = seed_demo_school(session, size=size, today=school_today(DEFAULT_TIMEZONE))
    print(
        f"Демо-школа создана за {time.perf_counter() - started:.1f} с: классов {school.classes}, "
        f"обучающихся {school.students}, родителей {school.guardians}, "
        f"сотрудников {school.staff}, учётных записей {school.accounts}."
    )
    for account in school.featured:
        print(f"  {account.role_title}: {account.login}")


def _command_create_admin(database_url: str, args: argparse.Namespace) -> None:
    upgrade_to_head(database_url)
    password = _read_password(args)
    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory, CLI_ACTOR) as session:
        user = create_user(
            session,
            CLI_ACTOR,
            login=args.login,
            display_name=args.name,
            roles={Role.ADMIN},
            password=password,
            must_change_password=False,
        )
        login = user.login
    print(f"Администратор «{login}» создан.")


def _command_backup(database_url: str, args: argparse.Namespace) -> None:
    settings = load_settings()
    report = make_backup(
        database_url,
        Path(args.output_dir) if args.output_dir else settings.backup_dir,
        passphrase=settings.backup_passphrase or None,
        keep_daily=args.keep_daily,
        keep_weekly=args.keep_weekly,
    )
    rows = sum(table.rows for table in report.tables.values())
    print(
        f"Резервная копия: {report.path} ({report.size / 1_048_576:.1f} МБ), схема "
        f"{report.revision}, таблиц {len(report.tables)}, строк {rows}."
    )
    for path in report.removed:
        print(f"  удалена старая копия {path.name}")


def _command_restore(database_url: str, args: argparse.Namespace) -> None:
    report = restore_backup(
        Path(args.file),
        database_url,
        passphrase=load_settings().backup_passphrase or None,
        force=args.force,
    )
    rows = sum(table.rows for table in report.tables.values())
    print(
        f"Восстановлена копия от {report.created_at} (схема {report.revision}): "
        f"строк {rows}; число строк и контрольные суммы всех таблиц совпали с копией."
    )
    for line in describe_tables(report.tables):
        print(f"  {line}")


def _parse_day(value: str) -> date:
    try:
        day, month, year = (int(part) for part in value.split("."))
        return date(year, month, day)
    except ValueError as error:
        raise DomainError(f"«{value}» — не дата: укажите её как ДД.ММ.ГГГГ.") from error


def _command_rollover(database_url: str, args: argparse.Namespace) -> None:
    from klassruk.services.school_settings import school_today as today_of
    from klassruk.services.school_year.rollover import apply_rollover, plan_rollover

    factory = make_session_factory(make_engine(database_url))
    block_on = _parse_day(args.leavers_block_on) if args.leavers_block_on else None
    with unit_of_work(factory, CLI_ACTOR, read_only=not args.apply) as session:
        on = today_of(session)
        plan = plan_rollover(
            session,
            CLI_ACTOR,
            on=on,
            ninth_leavers=args.ninth_leaver,
            leavers_block_on=block_on,
        )
    print("План перехода на новый учебный год:")
    for line in plan.describe():
        print(f"  {line}")
    for grades in plan.year_grades:
        if grades.missing:
            print(
                f"  нет итоговых оценок: {grades.class_name}, {grades.subject_name}: "
                + ", ".join(grades.missing)
            )
    for blocker in plan.blockers:
        print(f"  препятствие: {blocker}")
    if not args.apply:
        print("Пробный запуск: ничего не изменено (--apply выполнит этот план).")
        return
    with unit_of_work(factory, CLI_ACTOR) as session:
        apply_rollover(session, CLI_ACTOR, plan=plan, on=on, now=utcnow())
    print(f"Выполнено: учебный год {plan.year_name} закрыт, текущий — {plan.new_year_name}.")


def _command_retention(database_url: str, args: argparse.Namespace) -> None:
    from klassruk.operations.retention import policy, run_retention
    from klassruk.services.school_settings import school_today as today_of

    settings = load_settings()
    print("Сроки хранения:")
    for rule in policy(
        family_years=settings.retention_family_years, log_months=settings.retention_log_months
    ):
        print(f"  {rule.title}: {rule.kept}.")
    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory, CLI_ACTOR, read_only=not args.apply) as session:
        report = run_retention(
            session,
            CLI_ACTOR,
            on=today_of(session),
            now=utcnow(),
            family_years=settings.retention_family_years,
            log_months=settings.retention_log_months,
            apply=args.apply,
        )
    for line in report.describe():
        print(f"  {line}")
    if not args.apply:
        print("Пробный запуск: ничего не удалено (--apply выполнит).")


def sender_config(settings: Settings) -> SenderConfig:
    """The sender's transports and limits from the deployment's settings."""
    from klassruk.services.notifications.channels.email import SmtpSettings
    from klassruk.services.notifications.channels.sms import SMSRU_URL, SmsSettings

    smtp = sms = None
    if settings.smtp_host:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.mail_from,
        )
    if settings.sms_provider:
        sms = SmsSettings(
            provider=settings.sms_provider,
            url=settings.sms_url or SMSRU_URL,
            api_key=settings.sms_api_key,
            sender=settings.sms_sender,
        )
    return SenderConfig(
        links=LinkSettings(app_url=settings.app_url, secret=settings.cookie_key),
        smtp=smtp,
        sms=sms,
        max_attempts=settings.send_max_attempts,
        backoff_s=settings.send_backoff_seconds,
        per_minute={Channel.EMAIL: settings.email_per_minute, Channel.SMS: settings.sms_per_minute},
        workers=settings.send_workers,
    )


def _command_send(database_url: str, args: argparse.Namespace) -> None:
    config = sender_config(load_settings())
    factory = make_session_factory(make_engine(database_url))
    owner = f"{socket.gethostname()}:{os.getpid()}"[-64:]
    if args.once:
        result = run_pass(factory, config, owner=owner)
        print(
            f"Событий разобрано: {result.expanded}, сообщений составлено: {result.composed}, "
            f"отправлено: {result.sent}, отложено для повтора: {result.retried}, "
            f"не доставлено: {result.failed}."
        )
        return
    run_forever(factory, config, owner=owner, interval_s=args.interval)


STREAMLIT_LAUNCHER = "components.kit.streamlit_server"
# glibc's tunable for the size from which malloc maps memory of its own (returned on free).
MALLOC_MMAP_THRESHOLD = "MALLOC_MMAP_THRESHOLD_"


def _command_serve(database_url: str, args: argparse.Namespace) -> None:
    # uvicorn reads its proxy trust once, before any of our code runs in the server: set it
    # here from KLASSRUK_TRUSTED_PROXIES, so that only our proxies may name the client.
    trust = server_trust(load_settings().trusted_proxies)
    # `streamlit run`, with its listening socket marked TCP_NODELAY (see the launcher's module).
    command = [
        sys.executable, "-m", STREAMLIT_LAUNCHER, "run", args.script, *args.streamlit_options
    ]
    environment = {**os.environ, "DATABASE_URL": database_url, SERVER_TRUST_VARIABLE: trust}
    # glibc raises its mmap threshold to the size of the first big block freed: Argon2id's
    # 19 MiB per login then came from the threads' heaps, which keep it (peak RSS 540 MB per
    # process at the evening peak, 350 MB with the threshold fixed). Read at process start.
    environment.setdefault(MALLOC_MMAP_THRESHOLD, str(1 << 20))
    os.execve(sys.executable, command, environment)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m klassruk`."""
    parser = argparse.ArgumentParser(prog="python -m klassruk", description=__doc__)
    parser.add_argument("--database-url", help="вместо DATABASE_URL и настроек")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="обновить схему базы данных").set_defaults(
        handler=_command_migrate
    )

    demo = commands.add_parser("demo", help="создать демо-школу в пустой базе")
    demo.add_argument("--first-grade", type=int, default=1, choices=range(1, 12))
    demo.add_argument("--last-grade", type=int, default=11, choices=range(1, 12))
    demo.add_argument("--classes-per-grade", type=int, default=2)
    demo.add_argument("--students-per-class", type=int, default=25)
    demo.set_defaults(handler=_command_demo)

    admin = commands.add_parser("create-admin", help="создать учётную запись администратора")
    admin.add_argument("--login", required=True)
    admin.add_argument("--name", required=True, help="ФИО для отображения")
    admin.add_argument("--password-stdin", action="store_true", help="прочитать пароль из stdin")
    admin.set_defaults(handler=_command_create_admin)

    backup = commands.add_parser("backup", help="сделать резервную копию (можно на ходу)")
    backup.add_argument("--output-dir", help="вместо KLASSRUK_BACKUP_DIR")
    backup.add_argument("--keep-daily", type=int, default=7, help="сколько дневных копий хранить")
    backup.add_argument("--keep-weekly", type=int, default=4, help="сколько недельных хранить")
    backup.set_defaults(handler=_command_backup)

    restore = commands.add_parser("restore", help="восстановить копию в пустую базу")
    restore.add_argument("file", help="файл копии klassruk-ГГГГММДД-ЧЧММСС.backup")
    restore.add_argument("--force", action="store_true", help="перезаписать непустую базу")
    restore.set_defaults(handler=_command_restore)

    rollover = commands.add_parser("rollover", help="перейти на новый учебный год")
    mode = rollover.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="показать план, ничего не менять")
    mode.add_argument("--apply", action="store_true", help="выполнить план")
    rollover.add_argument(
        "--ninth-leaver",
        type=int,
        action="append",
        default=[],
        metavar="STUDENT_ID",
        help="девятиклассник, который уходит из школы (можно несколько раз)",
    )
    rollover.add_argument(
        "--leavers-block-on",
        help="с какого дня (ДД.ММ.ГГГГ) блокировать учётные записи выпускников",
    )
    rollover.set_defaults(handler=_command_rollover)

    retention = commands.add_parser("retention", help="сроки хранения персональных данных")
    mode = retention.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="показать, что будет удалено")
    mode.add_argument("--apply", action="store_true", help="удалить (с записью в журнал)")
    retention.set_defaults(handler=_command_retention)

    send = commands.add_parser("send", help="рассылать уведомления (e-mail, SMS)")
    send.add_argument("--once", action="store_true", help="один проход и выход (cron, таймер)")
    send.add_argument("--interval", type=float, default=30.0, help="пауза между проходами, с")
    send.set_defaults(handler=_command_send)

    serve = commands.add_parser(
        "serve", help="запустить приложение (дальше — параметры streamlit run: --server.port …)"
    )
    serve.add_argument("--script", default="serve.py", help="serve.py (по умолчанию) или app.py")
    serve.set_defaults(handler=_command_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; domain errors become a clear message and exit code 2."""
    parser = build_parser()
    # Whatever `serve` does not know belongs to `streamlit run`; other commands take no extras.
    args, extras = parser.parse_known_args(argv)
    if extras and args.command != "serve":
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    args.streamlit_options = extras
    database_url = args.database_url or load_settings().database_url
    try:
        args.handler(database_url, args)
    except DomainError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 2
    return 0
