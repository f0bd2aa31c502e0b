"""The load table's totals per teacher."""

from __future__ import annotations

import pytest

from klassruk.errors import PermissionDenied
from klassruk.services.teaching_load.saving import LoadInput, save_teaching_load
from klassruk.services.teaching_load.table import teacher_totals
from tests.core.services.groups.group_school import ENGLISH
from tests.factories import act_as


def test_each_teachers_hours_are_summed(session, school):
    actor = act_as(session, "zavuch")
    rows = [
        LoadInput(1, "7А", ENGLISH, "Инглишева Анна Ивановна", "2,5"),
        LoadInput(2, "7А", "Математика", "Инглишева Анна Ивановна", 9),
        LoadInput(3, "8А", "Математика", "Математова А.И.", "1,5"),
    ]
    save_teaching_load(session, actor, rows=rows, replace=True)
    totals = teacher_totals(session, actor)
    assert [(t.teacher, t.hours_per_week, t.rows) for t in totals] == [
        ("Инглишева Анна Ивановна", 11.5, 2),
        ("Математова Анна Ивановна", 1.5, 1),
    ]
    with pytest.raises(PermissionDenied):
        teacher_totals(session, act_as(session, "english"))
