"""Individual plans take over their subjects."""

from __future__ import annotations

import pytest

from klassruk.errors import DomainError
from klassruk.models.school import GroupKind
from klassruk.services import groups
from tests.core.services.groups.group_school import ENGLISH, MOVE, START, split_english
from tests.factories import act_as


def test_individual_plan_takes_over_its_subjects(session, school):
    actor = act_as(session, "kl7")
    group1, _ = split_english(session, school, actor)
    pupil = school.students7[0].id  # in English group 1
    iup = groups.create_individual_plan(
        session,
        actor,
        student_id=pupil,
        class_id=school.class7.id,
        on=MOVE,
        subjects=[
            groups.IndividualSubject(school.sid(ENGLISH), school.staff["Инглишева"].id, 1.0),
            groups.IndividualSubject(school.sid("Математика"), school.staff["Математова"].id, 2),
        ],
    )
    assert iup.kind is GroupKind.INDIVIDUAL and iup.name == "ИУП: Аксёнов Иван (7А)"
    english = school.sid(ENGLISH)
    assert groups.group_of_student_on(session, pupil, english, START).id == group1.id
    assert groups.group_of_student_on(session, pupil, english, MOVE).id == iup.id
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert info.splits[0].unplaced == []  # exempt, not "not in a group"
    assert info.table()[0][ENGLISH] == "ИУП"
    rows = groups.teachers_of_student(session, actor, student_id=pupil, on=MOVE)
    assert {r.subject: r.kind for r in rows}[ENGLISH] is GroupKind.INDIVIDUAL
    with pytest.raises(DomainError, match=r"^У Аксёнова Ивана уже есть индивидуальный"):
        groups.create_individual_plan(
            session,
            actor,
            student_id=pupil,
            class_id=school.class7.id,
            on=MOVE,
            subjects=[groups.IndividualSubject(english, school.staff["Англова"].id, 1.0)],
        )
    with pytest.raises(DomainError, match="нет предмета"):
        groups.create_individual_plan(
            session,
            actor,
            student_id=school.students7[1].id,
            class_id=school.class7.id,
            on=MOVE,
            subjects=[groups.IndividualSubject(english, school.staff["Физрукова"].id, 1.0)],
        )
