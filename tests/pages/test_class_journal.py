"""The class journal page: cached reads a journal write refreshes, tabs that run when opened."""

from __future__ import annotations

from sqlalchemy import func, select, update

from klassruk.infra.db import unit_of_work
from klassruk.models.incidents import DataAccess, DataAccessLog
from klassruk.models.journal import Grade
from klassruk.models.school import SchoolClass
from klassruk.services import calendar
from klassruk.text.formatting import format_date
from tests.factories import SYSTEM


def _summary_cells(at) -> set[str]:
    return set(at.dataframe[0].value.astype(str).to_numpy().ravel())


def _openings(factory) -> tuple[int, int]:
    """How often the class journal and a student card were logged as opened."""
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        return tuple(
            session.scalar(
                select(func.count()).select_from(DataAccessLog).where(DataAccessLog.kind == kind)
            )
            for kind in (DataAccess.CLASS_JOURNAL, DataAccess.STUDENT_CARD)
        )


def test_a_grade_changed_elsewhere_shows_on_the_next_run(logged_in, factory):
    at = logged_in("klassruk").switch_page("app_pages/class_journal.py").run()
    assert not at.exception
    assert "1,00" not in _summary_cells(at)
    # Another process (a teacher's save) changes every grade: the cached summary is refreshed.
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(update(Grade).values(value=1, weight=1))
    at.run()
    assert "1,00" in _summary_cells(at)


def test_only_the_open_tab_runs(logged_in, factory):
    at = logged_in("klassruk").switch_page("app_pages/class_journal.py").run()
    assert not at.exception
    assert not [box for box in at.selectbox if box.key in ("cj_subject", "cj_student")]
    assert _openings(factory) == (1, 0)
    at.session_state["cj_tab"] = "Карточка обучающегося"
    at.run()
    assert not at.exception
    assert at.selectbox(key="cj_student").value is not None
    assert [m.label for m in at.metric] == ["Средний взвешенный балл", "Оценок", "Пропусков"]
    # The summary tab did not run again: no second class-journal entry in the access log.
    assert len(at.get("vega_lite_chart")) == 2  # the card's two, not the summary's four
    assert _openings(factory) == (1, 1)


def test_summary_subject_and_card_offer_xlsx_and_print(logged_in):
    at = logged_in("klassruk").switch_page("app_pages/class_journal.py").run()
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Скачать XLSX") == 1 and labels.count("Печать (PDF)") == 1
    for tab in ("По предмету", "Карточка обучающегося"):
        at.session_state["cj_tab"] = tab
        at.run()
        assert not at.exception
        assert "Печать (PDF)" in [b.label for b in at.get("download_button")], tab


def test_the_period_chosen_above_the_table_is_the_one_the_table_shows(logged_in, factory):
    # The pickers are drawn after the table: the table must still follow the button chosen.
    at = logged_in("klassruk").switch_page("app_pages/class_journal.py").run()
    picker = at.button_group(key="cj_period")
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        period = next(p for p in calendar.list_periods(session) if p.period_id != picker.value)
    shown_first = _summary_cells(at)
    picker.set_value(period.period_id).run()
    assert not at.exception
    assert at.button_group(key="cj_period").value == period.period_id
    # The line under the title names the period shown, with its dates.
    assert f"{format_date(period.starts_on)}–{format_date(period.ends_on)}" in at.caption[0].value
    assert _summary_cells(at) != shown_first


def test_a_class_taught_without_marks_says_so_and_shows_absences(logged_in, factory):
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(update(SchoolClass).values(without_marks=True))
    at = logged_in("klassruk").switch_page("app_pages/class_journal.py").run()
    assert not at.exception
    assert any("классе безотметочное обучение" in i.value for i in at.info)
    summary = at.dataframe[0].value
    assert "Средний взвешенный" not in summary.columns and "Оценок" not in summary.columns
    assert summary["Пропусков"].sum() > 0  # attendance still counts
    assert any(c.value.startswith("В клетке — пропущено уроков") for c in at.caption)
    at.session_state["cj_tab"] = "Карточка обучающегося"
    at.run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Пропусков"]
    assert "Средний" not in at.dataframe[0].value.columns
