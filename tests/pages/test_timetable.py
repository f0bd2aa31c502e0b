"""AppTest of the deputy head's timetable and calendar page."""

from __future__ import annotations

from datetime import timedelta

from klassruk.text.russian import Gender, gender_of_name
from tests.frozen import TODAY


def _open(logged_in):
    at = logged_in("zavuch")
    at.switch_page("app_pages/timetable.py").run()
    assert not at.exception
    return at


def test_adding_a_holiday_reports_it_once_and_stays_on_its_tab(logged_in) -> None:
    at = _open(logged_in)
    at.session_state["tt_tab"] = "Каникулы"
    at.text_input(key="tt_holiday_name").input("День учителя")
    at.date_input(key="tt_holiday_from").set_value(TODAY + timedelta(days=3))
    at.date_input(key="tt_holiday_to").set_value(TODAY + timedelta(days=3))
    at.button(key="FormSubmitter:tt_holiday_form-Добавить").click().run()
    assert not at.exception
    assert [m.value for m in at.success] == ["Каникулы добавлены."]
    assert at.session_state["tt_tab"] == "Каникулы"
    assert "День учителя" in list(at.dataframe[0].value["Название"])
    at.run()
    assert not at.success


def test_a_bad_period_is_refused_with_a_russian_message(logged_in) -> None:
    at = _open(logged_in)
    at.text_input(key="tt_period_name").input("Неправильный")
    at.date_input(key="tt_period_from").set_value(TODAY + timedelta(days=10))
    at.date_input(key="tt_period_to").set_value(TODAY)
    at.button(key="FormSubmitter:tt_period_form-Добавить период").click().run()
    assert not at.exception
    assert at.error and not at.success


def test_substitutes_show_the_free_teachers_first_and_say_so(logged_in) -> None:
    at = _open(logged_in)
    at.radio(key="tt_ch_kind").set_value("Замена учителя").run()
    assert not at.exception
    labels = at.selectbox(key="tt_ch_staff").options
    free = [label.endswith(("— свободен", "— свободна")) for label in labels]
    assert free[0] and not all(free)
    assert free == sorted(free, reverse=True)
    # Each teacher's state agrees with the teacher's gender: «Белякова … — свободна».
    female = {label: gender_of_name(label.split(" — ")[0]) is Gender.FEMALE for label in labels}
    assert any(female.values()) and not all(female.values())
    for label, is_female in female.items():
        state = label.split(" — ")[1]
        assert state in (("свободна", "занята на этом уроке") if is_female
                         else ("свободен", "занят на этом уроке")), label
