"""AppTest: a role that requires the second factor is led to enrol before anything else."""

from __future__ import annotations

import pytest

from klassruk.access.permissions import Role
from klassruk.infra.db import unit_of_work
from klassruk.services.second_factor import set_required_roles
from tests.factories import actor_of
from tests.pages.second_factor_steps import enrol_on_page


def _require(factory, *roles: Role) -> None:
    with factory() as session:
        admin = actor_of(session, "admin")
    with unit_of_work(factory, admin) as session:
        set_required_roles(session, admin, roles=frozenset(roles), reason="Приказ директора")


def test_required_role_enrols_first_then_sees_the_menu(demo_app, factory, logged_in):
    _require(factory, Role.TEACHER)
    teacher = logged_in("uchitel")
    assert not teacher.exception
    assert [t.value for t in teacher.title] == ["Второй фактор"]
    with pytest.raises(ValueError):
        teacher.switch_page("app_pages/journal.py").run()
    _, codes = enrol_on_page(teacher)
    assert [t.value for t in teacher.title] == ["Второй фактор"]  # the codes, before the menu
    assert len(codes) == 10
    pdf_button = teacher.get("download_button")[0].proto
    assert pdf_button.label == "Скачать коды для печати (PDF)"
    next(b for b in teacher.button if b.label.startswith("Я сохранил")).click().run()
    assert [t.value for t in teacher.title] != ["Второй фактор"]
    teacher.switch_page("app_pages/journal.py").run()
    assert not teacher.exception


def test_roles_not_required_go_straight_to_the_menu(demo_app, factory, logged_in):
    _require(factory, Role.ADMIN)
    parent = logged_in("roditel")
    assert [t.value for t in parent.title] != ["Второй фактор"]
    assert [t.value for t in logged_in("uchitel").title] != ["Второй фактор"]
