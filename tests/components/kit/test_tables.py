"""The page kit's read-only table."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components.kit.tables import MISSING


def _script() -> None:
    from components.kit.tables import show_table

    show_table({"Учитель": ["Иванова А. А.", None], "Часов": ["1,5", "2"]}, key="t")


def test_a_table_shows_missing_values_as_a_dash_not_none() -> None:
    at = AppTest.from_function(_script, default_timeout=30).run()
    assert not at.exception
    table = at.dataframe[0]
    assert table.proto.placeholder == MISSING
    assert list(table.value.columns) == ["Учитель", "Часов"]
