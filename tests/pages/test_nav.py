"""Menu sections are named for the role that reads them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from components.kit.nav import PAGES, allowed_pages, section_title, spec_of
from components.kit.text import escape
from klassruk.access.permissions import Actor, Role
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount, UserRole
from tests.factories import SYSTEM


def _actor(*roles: Role) -> Actor:
    return Actor(login="x", roles=frozenset(roles), user_id=1, staff_id=1)


@pytest.mark.parametrize(
    ("roles", "expected", "absent"),
    [
        ((Role.DEPUTY_HEAD,), "Классы школы", "Классное руководство"),
        ((Role.TEACHER, Role.CLASS_TEACHER), "Классное руководство", "Классы школы"),
    ],
)
def test_class_pages_section_is_named_for_the_role(roles, expected, absent) -> None:
    actor = _actor(*roles)
    titles = {section_title(spec.section, actor) for spec in allowed_pages(actor)}
    assert expected in titles
    assert absent not in titles


def test_every_page_belongs_to_a_titled_section_or_is_home() -> None:
    assert all(spec.section or spec.url_path == "home" for spec in PAGES)


def test_every_page_finds_its_own_action_in_the_registry() -> None:
    for spec in PAGES:
        assert spec_of(f"/anywhere/{spec.path}") is spec


def test_the_menu_is_kept_for_the_session_and_rebuilt_when_the_roles_change(
    logged_in, factory
) -> None:
    at = logged_in("uchitel")
    kept = at.session_state["menu_pages"]
    at.run()
    assert at.session_state["menu_pages"] is kept  # the next run reuses the pages
    with pytest.raises(ValueError):
        at.switch_page("app_pages/credentials.py").run()
    with unit_of_work(factory, SYSTEM) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == "uchitel"))
        assert user is not None
        session.add(UserRole(user_id=user.id, role=Role.CLASS_TEACHER))
    at.switch_page("app_pages/home.py").run()  # the roles are read afresh on every run
    at.switch_page("app_pages/credentials.py").run()
    assert not at.exception
    assert any("Реквизиты" in title.value for title in at.title)


def _page_links(node) -> list[str]:  # type: ignore[no-untyped-def]
    """Labels of the page links under an AppTest node (they have no typed accessor)."""
    found = []
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", None) == "page_link":
            found.append(child.proto.label)
        found += _page_links(child)
    return found


def test_families_get_a_labelled_menu_and_no_sidebar(logged_in) -> None:
    at = logged_in("roditel")
    assert not at.exception
    (menu,) = at.get("popover")
    assert menu.proto.popover.label == "Меню"
    links = _page_links(menu)
    assert {"Главная", "Оценки", "Ознакомление", "Профиль"} <= set(links)
    assert not [b for b in at.sidebar.button]  # «Выйти» moved into the menu
    assert [b.label for b in at.button if b.key == "sign_out"] == ["Выйти"]
    # The menu's key names the page: the page a choice opens draws a new, closed menu.
    grades = at.switch_page("app_pages/cabinet_grades.py").run()
    (menu_there,) = grades.get("popover")
    assert menu_there.proto.id != menu.proto.id


def test_staff_keep_the_sidebar_menu_and_their_account_in_a_popover(logged_in, factory) -> None:
    at = logged_in("uchitel")
    with factory() as session:
        name = session.scalars(
            select(UserAccount.display_name).where(UserAccount.login == "uchitel")
        ).one()
    # The account is one popover in the sidebar named for the user: the school and «Выйти».
    (account,) = at.get("popover")
    (in_sidebar,) = at.sidebar.get("popover")
    assert in_sidebar.proto.id == account.proto.id
    assert account.proto.popover.label == escape(name)
    assert [b.label for b in at.sidebar.button] == ["Выйти"]
    assert len(account.get("caption")) == 1
