"""AppTest of the study-groups page: the subgroup wizard and its refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.models.school import GroupKind, StudyGroup, Subject
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


TRUD = "Труд (технология)"


def _trud_lessons_a_week(factory, class_id: int) -> dict[int, int]:
    """Each pupil's «Труд» lessons this week, as the families' timetable lists them."""
    from datetime import timedelta

    from klassruk.models.school import Enrolment
    from klassruk.services.cabinet.lessons import lessons_of_students
    from klassruk.services.calendar import week_start
    from tests.frozen import TODAY

    with factory() as session:
        ids = list(session.scalars(
            select(Enrolment.student_id).where(Enrolment.class_id == class_id)
        ))
        monday = week_start(TODAY)
        lessons = lessons_of_students(session, ids, monday, monday + timedelta(days=5))
        return {sid: sum(item.subject == TRUD for item in items) for sid, items in lessons.items()}


def test_splitting_trud_keeps_its_teacher_and_its_lessons_then_merges_back(logged_in, factory):
    from klassruk.models.school import Staff, TeachingAssignment

    # A second «Труд» teacher, first by the alphabet: the wizard must not pick her by default.
    with factory() as session:
        session.info["actor"] = SYSTEM
        trud = session.scalar(select(Subject.id).where(Subject.name == TRUD))
        other_group = session.scalar(select(StudyGroup.id).where(
            ~StudyGroup.id.in_(select(TeachingAssignment.group_id)
                               .where(TeachingAssignment.subject_id == trud))
        ).limit(1))
        newcomer = Staff(last_name="Аасен", first_name="Алла", middle_name="Юрьевна")
        session.add(newcomer)
        session.flush()
        session.add(TeachingAssignment(staff_id=newcomer.id, subject_id=trud,
                                       group_id=other_group, hours_per_week=1.0))
        session.commit()
    at = logged_in("klassruk")
    at.switch_page("app_pages/study_groups.py").run()
    at.multiselect(key="sg_subjects").set_value([trud]).run()
    at.button(key="sg_propose").click().run()
    first, second = (at.selectbox(key=f"sg_teacher_{trud}_{i}") for i in (0, 1))
    assert first.index is not None and second.index == first.index
    current = first.options[first.index]
    assert current != "Аасен Алла Юрьевна"
    assert any("один учитель" in w.value for w in at.warning)
    class_id = at.session_state["sg_plan"]["class_id"]
    before = _trud_lessons_a_week(factory, class_id)
    assert sum(before.values()) > 0  # (a pupil on an individual plan may have none)
    at.button(key="sg_save").click().run()
    assert not at.exception and "Группы сохранены" in at.success[0].value
    teachers = at.dataframe[1].value
    assert set(teachers[teachers["Группа"].str.contains("Труд")]["Учитель"]) == {current}
    # One teacher cannot give both groups' lessons at the class's times: the first group keeps
    # them, the second waits for the deputy head, and the screen says so.
    split = _trud_lessons_a_week(factory, class_id)
    kept = {sid for sid, n in split.items() if n}
    assert kept and all(split[sid] == before[sid] for sid in kept)
    assert any(w.value.startswith("Нет уроков в расписании:") and ", гр. 2" in w.value
               for w in at.warning)

    at.selectbox(key="sg_merge_subj").set_value(trud).run()
    at.button(key="sg_merge_ask").click().run()
    assert any(w.value.startswith("Объединить группы") for w in at.warning)
    at.button(key="sg_merge_yes").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [f"Предмет «{TRUD}» снова ведётся у всего класса."]
    assert _trud_lessons_a_week(factory, class_id) == before


def _whole_class_teacher(factory, class_id: int, subject_id: int) -> str:
    """The teaching load's teacher of the subject for the whole class."""
    from klassruk.models.school import Staff, TeachingAssignment

    with factory() as session:
        staff = session.scalar(
            select(Staff)
            .join(TeachingAssignment, TeachingAssignment.staff_id == Staff.id)
            .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
            .where(StudyGroup.class_id == class_id, StudyGroup.kind == GroupKind.WHOLE_CLASS,
                   TeachingAssignment.subject_id == subject_id)
        )
        return staff.full_name


def test_each_group_keeps_the_subjects_teacher_after_a_visit_to_another_page(logged_in, factory):
    # Streamlit drops the state of widgets a run does not draw: the draft came back with
    # «выберите учителя» in every group, no names and no pupils.
    with factory() as session:
        trud = session.scalar(select(Subject.id).where(Subject.name == TRUD))
    at = logged_in("klassruk")
    at.switch_page("app_pages/study_groups.py").run()
    at.multiselect(key="sg_subjects").set_value([trud]).run()
    at.button(key="sg_propose").click().run()
    current = _whole_class_teacher(factory, at.session_state["sg_plan"]["class_id"], trud)
    renamed = f"7А: {TRUD}, мальчики"
    at.text_input(key=f"sg_name_{trud}_0").input(renamed).run()
    members = at.multiselect(key=f"sg_members_{trud}_0").value
    at.switch_page("app_pages/my_class.py").run()
    at.switch_page("app_pages/study_groups.py").run()
    assert not at.exception
    for i in (0, 1):
        teacher = at.selectbox(key=f"sg_teacher_{trud}_{i}")
        assert teacher.index is not None and teacher.options[teacher.index] == current
    assert any("один учитель" in w.value for w in at.warning)
    assert at.text_input(key=f"sg_name_{trud}_0").value == renamed
    assert at.multiselect(key=f"sg_members_{trud}_0").value == members
    at.button(key="sg_save").click().run()
    assert not at.exception and "Группы сохранены" in at.success[0].value
    with factory() as session:
        assert session.scalar(select(StudyGroup.id).where(StudyGroup.name == renamed))


def test_an_individual_plan_is_named_once(logged_in):
    at = logged_in("klassruk").switch_page("app_pages/study_groups.py").run()
    plans = [c.value for c in at.caption if c.value.startswith("Индивидуальный учебный план")]
    assert plans and not [c for c in plans if "ИУП" in c], plans
