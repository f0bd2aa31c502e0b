"""The floor for the benchmarks: an empty Streamlit page and a page with one 25×20 data frame."""

import pandas as pd
import streamlit as st


def _empty() -> None:
    st.title("Пустая страница")


def _frame() -> None:
    st.title("Одна таблица")
    st.dataframe(pd.DataFrame({f"Предмет {n}": [4.5] * 25 for n in range(20)}))


st.navigation(
    [st.Page(_empty, title="Пустая", default=True),
     st.Page(_frame, title="Таблица", url_path="frame")]
).run()
