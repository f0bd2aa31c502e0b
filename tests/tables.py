"""What a table of the page kit shows, read back in AppTest."""

from __future__ import annotations

import pandas as pd
from streamlit import dataframe_util


def shown(table: object) -> pd.DataFrame:
    """The text a table's cells show (the pandas Styler's display values), as the reader sees it."""
    data = table.proto.arrow_data  # type: ignore[attr-defined]
    return dataframe_util.convert_arrow_bytes_to_pandas_df(data.styler.display_values)
