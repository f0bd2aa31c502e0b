"""Menu sections are named for the role that reads them."""

from __future__ import annotations

import pytest

from components.nav import PAGES, allowed_pages, section_title, spec_of
from klassruk.permissions import Actor, Role


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
