"""The page kit's read-only table."""

from __future__ import annotations

import json

import pandas as pd
from streamlit.testing.v1 import AppTest

from components.kit.tables import MISSING
from tests.tables import shown


def _script() -> None:
    from components.kit.tables import show_table

    show_table({"Учитель": ["Иванова А. А.", None], "Часов": ["1,5", "2"]}, key="t")


def test_a_table_shows_missing_values_as_a_dash_not_none() -> None:
    at = AppTest.from_function(_script, default_timeout=30).run()
    assert not at.exception
    table = at.dataframe[0]
    assert table.proto.placeholder == MISSING
    assert list(table.value.columns) == ["Учитель", "Часов"]


def _empty_script() -> None:
    import pandas as pd

    from components.kit.tables import show_table

    show_table(pd.DataFrame({"Выписка": []}), empty="Выписки ещё не печатались.")


def test_a_table_without_rows_is_a_russian_line_not_an_empty_grid() -> None:
    at = AppTest.from_function(_empty_script, default_timeout=30).run()
    assert not at.exception
    assert not at.dataframe
    assert [c.value for c in at.caption] == ["Выписки ещё не печатались."]


def _configured_script() -> None:
    import streamlit as st

    from components.kit.tables import show_table

    show_table(
        {"Обучающийся": ["Иванов Иван"], "Балл": [4.5]},
        numbers=["Балл"],
        column_config={"Обучающийся": st.column_config.TextColumn(help="ФИО")},
    )


def test_a_table_hides_the_index_and_passes_column_settings_on() -> None:
    at = AppTest.from_function(_configured_script, default_timeout=30).run()
    assert not at.exception
    proto = at.dataframe[0].proto
    config = json.loads(proto.columns)
    assert config["Обучающийся"]["help"] == "ФИО"
    assert config["_index"]["hidden"] is True


def _numbers_script() -> None:
    from components.kit.tables import show_table

    show_table(
        {
            "Класс": ["7А", "7Б", "8А"],
            "Средний балл": [4.1, 3.98, None],
            "Часов": [1.5, 12.0, 2.25],
            "Отметок": [3, 14, 0],
        },
        numbers=["Часов"],
    )


def test_numbers_show_the_russian_way_whatever_the_browser_and_sort_as_numbers() -> None:
    at = AppTest.from_function(_numbers_script, default_timeout=30).run()
    assert not at.exception
    table = at.dataframe[0]
    assert list(shown(table)["Средний балл"]) == ["4,10", "3,98", "—"]
    assert list(shown(table)["Часов"]) == ["1,5", "12", "2,25"]
    assert list(shown(table)["Отметок"]) == ["3", "14", "0"]
    assert pd.api.types.is_float_dtype(table.value["Средний балл"])  # sorts as a number
    assert "localized" not in table.proto.columns  # the browser's language decides nothing
