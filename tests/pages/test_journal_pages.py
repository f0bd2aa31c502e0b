"""AppTest of the class teacher's read-only journal page (and the deputy head's view of it)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from klassruk.access.permissions import Action
from klassruk.infra.db import unit_of_work
from klassruk.services import calendar
from klassruk.services.class_journal.charts import class_charts
from klassruk.services.scope.classes import classes_in_scope
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY


@pytest.fixture
def journal_app(demo_app, factory):
    """The SMALL demo school, whose journal the demo fills up to its pretend today."""
    return factory

def _datasets(chart):
    tables = []
    for dataset in chart.proto.datasets:
        reader = pa.ipc.open_stream(dataset.data.data)
        tables.append(reader.read_all().to_pandas())
    return tables


def test_class_teacher_page_is_read_only_and_shows_the_charts(logged_in, journal_app):
    factory = journal_app
    at = logged_in("klassruk").switch_page("app_pages/class_journal.py").run()
    assert not at.exception
    assert at.title[0].value == "Журнал класса"
    # No edit widgets: every table is a read-only dataframe; no save buttons, no text fields.
    assert at.dataframe, "tables expected"
    assert all(frame.proto.editing_mode == 0 for frame in at.dataframe)
    assert not at.text_input and not at.text_area and not at.number_input
    assert not [b for b in at.button if "Сохранить" in b.label]

    # Details and charts are tabs of their own: the summary arrives with its table alone.
    assert [t.label for t in at.tabs] == [
        "Сводка", "Подробно", "Графики", "По предмету", "Карточка обучающегося"
    ]
    assert not at.get("vega_lite_chart") and len(at.dataframe) == 1
    summary_columns = list(at.dataframe[0].value.columns)
    at.session_state["cj_tab"] = "Подробно"
    at.run()
    assert not at.exception and not at.get("vega_lite_chart")
    assert len(at.dataframe) == 1 and list(at.dataframe[0].value.columns) != summary_columns
    at.session_state["cj_tab"] = "Графики"
    at.run()
    assert not at.exception and not at.dataframe
    charts = at.get("vega_lite_chart")
    assert len(charts) == 4
    titles = [json.loads(c.proto.spec).get("title") for c in charts]
    by_layer = [
        json.loads(c.proto.spec)["layer"][0].get("title")
        for c in charts
        if "layer" in json.loads(c.proto.spec)
    ]
    assert "Средний взвешенный балл по предметам" in titles + by_layer
    assert {"Распределение оценок", "Успеваемость по неделям", "Пропуски по неделям"} <= set(
        titles
    )
    specs = [json.loads(c.proto.spec) for c in charts]
    assert all(s["config"]["locale"]["number"]["decimal"] == "," for s in specs)
    assert all(s["config"]["axis"]["labelLimit"] >= 200 for s in specs)
    grade_axes = [
        encoding
        for s in specs
        for layer in s.get("layer", [s])
        for encoding in layer["encoding"].values()
        if isinstance(encoding, dict) and encoding.get("field") == "weighted_average"
    ]
    assert len(grade_axes) >= 2  # the subject bars and the weekly trends
    assert all(e["scale"]["domain"] == [1, 5] for e in grade_axes)
    bars = next(s for s in specs if "layer" in s)["layer"][0]["encoding"]
    assert bars["x2"] == {"datum": 1}  # bars start at the lowest grade, not off the scale
    at.session_state["cj_tab"] = "Сводка"
    at.run()
    summary_cells = at.dataframe[0].value.astype(str).to_numpy().ravel()
    averages = [cell for cell in summary_cells if cell[:1].isdigit() and len(cell) >= 4]
    assert averages and all("," in cell and "." not in cell for cell in averages)

    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, "klassruk")
        class_id = classes_in_scope(session, actor, action=Action.VIEW_CLASS_JOURNAL)[0].class_id
        period = calendar.period_for_today(session, TODAY)
        assert period is not None
        expected = class_charts(
            session, actor, class_id=class_id, period_id=period.period_id
        )
    # One class and the period: named in the line under the title, no picker of one line.
    assert f"Класс 7А · {period.label} · Только просмотр" in at.caption[0].value
    assert not at.selectbox and not [m for m in at.markdown if m.value.startswith("Класс:")]
    averages = next(
        frame
        for chart in charts
        for frame in _datasets(chart)
        if "weighted_average" in frame and "subject" in frame
    )
    assert dict(zip(averages["subject"], averages["weighted_average"], strict=True)) == {
        s.subject: s.weighted_average for s in expected.subject_averages
    }
    distribution = next(
        frame for chart in charts for frame in _datasets(chart) if "grade" in frame
    )
    assert dict(zip(distribution["grade"], distribution["count"], strict=True)) == {
        str(v): c for v, c in expected.distribution.items()
    }


def test_teacher_without_class_cannot_open_class_journal(logged_in, journal_app):
    at = logged_in("uchitel")
    with pytest.raises(ValueError):
        at.switch_page("app_pages/class_journal.py").run()


def test_deputy_head_timetable_page_shows_calendar_and_changes(logged_in, journal_app):
    at = logged_in("zavuch").switch_page("app_pages/timetable.py").run()
    assert not at.exception
    assert at.title[0].value == "Расписание и календарь"
    assert any(b.label == "Закрыть" for b in at.button)
    # The deputy head reads the class journal of any class, read-only too.
    at = at.switch_page("app_pages/class_journal.py").run()
    assert not at.exception
    assert all(frame.proto.editing_mode == 0 for frame in at.dataframe)
