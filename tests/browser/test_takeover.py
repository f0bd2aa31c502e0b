"""Issue 9's takeover in a browser: 7А's class teacher cannot reach another class's parent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.models.accounts import UserAccount
from klassruk.models.school import Enrolment, Guardian, GuardianLink, SchoolClass, Staff, Student
from klassruk.services.roster.templates import template_csv
from tests.browser.conftest import choose_person, issue_to_chosen, log_in_at, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
EMPTY = ["", "", "", "", "", ""]


@dataclass(frozen=True)
class Foreign:
    """A parent whose children are all in other classes, and one of those children."""

    guardian_id: int
    last_name: str
    first_name: str
    middle_name: str
    phone: str
    login: str
    account: tuple[object, ...]
    child: tuple[str, str, date]
    child_class: str


def _account_state(user: UserAccount) -> tuple[object, ...]:
    return (user.status, user.password_hash, user.sessions_valid_after, user.guardian_id)


def _foreign_parent(database_url: str) -> Foreign:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            own = select(SchoolClass.id).join(Staff).where(
                Staff.id.in_(select(UserAccount.staff_id).where(
                    UserAccount.login == CLASS_TEACHER_LOGIN))
            )
            own_pupils = select(Enrolment.student_id).where(Enrolment.class_id.in_(own))
            near = select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(own_pupils))
            row = session.execute(
                select(Guardian, UserAccount, Student, SchoolClass)
                .join(UserAccount, UserAccount.guardian_id == Guardian.id)
                .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
                .join(Student, Student.id == GuardianLink.student_id)
                .join(Enrolment, Enrolment.student_id == Student.id)
                .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                .where(
                    Guardian.id.not_in(near), Guardian.phone.is_not(None),
                    Guardian.middle_name.is_not(None), Student.birth_date.is_not(None),
                )
                .order_by(Guardian.id)
                .limit(1)
            ).one()
            guardian, user, child, child_class = row
            assert child.birth_date is not None and guardian.phone and guardian.middle_name
            return Foreign(
                guardian.id, guardian.last_name, guardian.first_name, guardian.middle_name,
                guardian.phone, user.login, _account_state(user),
                (child.last_name, child.first_name, child.birth_date), child_class.name,
            )
    finally:
        engine.dispose()


def _account_of(database_url: str, login: str) -> tuple[object, ...]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            user = session.scalar(select(UserAccount).where(UserAccount.login == login))
            assert user is not None
            return _account_state(user)
    finally:
        engine.dispose()


def _after_children(database_url: str, guardian_id: int) -> list[int]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(GuardianLink.student_id).where(
                GuardianLink.guardian_id == guardian_id)))
    finally:
        engine.dispose()


def _upload(page, path: Path, expected: str) -> None:
    """Upload a file and wait until a data grid shows `expected`."""
    page.locator('input[type="file"]').set_input_files(str(path))
    grids = page.locator('[data-testid="stDataFrame"]').filter(has_text=expected)
    expect(grids.first).to_be_attached()
    wait_until_idle(page)


def _grid_text(page) -> str:
    """Everything the data grids hold (they draw on a canvas; their accessible table has it)."""
    return "\n".join(page.locator('[data-testid="stDataFrame"]').all_text_contents())


def test_class_teacher_cannot_take_over_another_classs_parent(
    browser, server_url, database_url, tmp_path: Path
):
    foreign = _foreign_parent(database_url)
    children_before = _after_children(database_url, foreign.guardian_id)
    made_up = ["", "Подставной", "Ребёнок", "", "01.02.2013",
               foreign.last_name, foreign.first_name, foreign.middle_name, "отец",
               foreign.phone, "attacker@mail.example", *EMPTY]
    last, first, born = foreign.child
    lookup = ["", last, first, "", born.strftime("%d.%m.%Y"), *EMPTY, *EMPTY]
    both = tmp_path / "both.csv"
    both.write_bytes(template_csv([made_up, lookup]))
    only = tmp_path / "only.csv"
    only.write_bytes(template_csv([made_up]))

    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/roster_import", CLASS_TEACHER_LOGIN,
                  "Импорт списка класса")

        # The real pupil's name and birth date of another class: read as nobody known (a new
        # pupil), so the import tells nothing of who exists or where.
        _upload(page, both, "будет создан")
        shown = page.locator("body").inner_text() + _grid_text(page)
        assert foreign.child_class not in shown and "уже есть в базе школы" not in shown

        _upload(page, only, "будет создан")
        expect(page.get_by_text("В файле ошибок")).to_have_count(0)
        assert "без изменений" not in _grid_text(page)
        page.get_by_role("button", name="Импортировать").click()
        page.get_by_text("Импорт выполнен").first.wait_for()
        assert _after_children(database_url, foreign.guardian_id) == children_before

        # «Реквизиты доступа»: the namesake is a new person with a new login.
        page.goto(f"{server_url}/credentials")
        page.get_by_role("heading", name="Реквизиты доступа").first.wait_for()
        wait_until_idle(page)
        assert foreign.login not in _grid_text(page)
        name = f"{foreign.last_name} {foreign.first_name} {foreign.middle_name}"
        choose_person(page, name)
        text = issue_to_chosen(page, tmp_path)
        printed = re.search(r"Логин:\s*(\S+)", text)
        assert printed and printed.group(1) != foreign.login

        choose_person(page, name)
        page.get_by_role("button", name="Заблокировать выбранных").click()
        page.get_by_role("button", name="Заблокировать", exact=True).click()
        page.get_by_text("Заблокировано учётных записей: 1").first.wait_for()
        assert _after_children(database_url, foreign.guardian_id) == children_before
        assert _account_of(database_url, foreign.login) == foreign.account
    finally:
        context.close()
