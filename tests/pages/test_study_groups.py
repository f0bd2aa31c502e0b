"""AppTest of the study-groups page: the subgroup wizard and its refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.models import GroupKind, StudyGroup, Subject
from tests.factories import SYSTEM

PE = "Физическая культура"


def _pe_id(factory) -> int:
    with factory() as session:
        return session.scalar(select(Subject.id).where(Subject.name == PE))


def _pe_groups(factory) -> int:
    with factory() as session:
        session.info["actor"] = SYSTEM
        return session.scalar(
            select(func.count())
            .select_from(StudyGroup)
            .join(Subject, Subject.id == StudyGroup.subject_id)
            .where(Subject.name == PE, StudyGroup.kind == GroupKind.SUBGROUP)
        )


def _open_wizard_with_proposal(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/study_groups.py").run()
    assert not at.exception
    pe = _pe_id(factory)
    at.multiselect(key="sg_subjects").set_value([pe]).run()
    at.button(key="sg_propose").click().run()
    assert not at.exception
    return at, pe


def test_wizard_splits_the_class_in_two_automatically_and_shows_the_table(logged_in, factory):
    at, pe = _open_wizard_with_proposal(logged_in, factory)
    first = at.multiselect(key=f"sg_members_{pe}_0").value
    second = at.multiselect(key=f"sg_members_{pe}_1").value
    assert len(first) == len(second) == 3 and not set(first) & set(second)
    assert at.text_input(key=f"sg_name_{pe}_0").value == f"7А: {PE}, гр. 1"
    at.button(key="sg_save").click().run()
    assert not at.exception
    assert "Группы сохранены" in at.success[0].value
    table = at.dataframe[0].value
    assert PE in table.columns
    assert sorted(table[PE].value_counts().tolist()) == [3, 3]
    assert set(table[PE]) == {f"7А: {PE}, гр. 1", f"7А: {PE}, гр. 2"}
    assert _pe_groups(factory) == 2


@pytest.mark.parametrize(
    ("second_group", "message"),
    [("empty", "пуста"), ("everyone", "сразу в две группы")],
)
def test_wizard_shows_the_invariant_violation_and_saves_nothing(
    logged_in, factory, second_group, message
):
    at, pe = _open_wizard_with_proposal(logged_in, factory)
    second = at.multiselect(key=f"sg_members_{pe}_1")
    if second_group == "empty":
        second.set_value([])
    else:
        first = at.multiselect(key=f"sg_members_{pe}_0").value
        second.set_value([*first, *second.value])
    at.run()
    at.button(key="sg_save").click().run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert _pe_groups(factory) == 0
    # The proposal stays on screen for correction.
    assert at.button(key="sg_save") is not None
