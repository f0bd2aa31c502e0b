"""File pickers in Russian: the size limit and kinds in the label, the English drop zone hidden."""

# Streamlit 1.67's drop zone prints «Upload», «200MB per file • XLSX» and «Drag and drop a file
# here» with no argument to change them (streamlit/streamlit#13500, open); a page style hides the
# hint (the label says the same in Russian) and relabels the button. The button's «Upload» is a
# markdown block with its own font size, so it is hidden by itself (seen in Chromium).

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

BYTES_IN_MB = 1024 * 1024
DROPZONE_STYLE = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {
  display: none;
}
[data-testid="stFileUploaderDropzone"] button::after {
  content: "Выбрать файл"; font-size: 1rem; margin-left: 0.4rem;
}
</style>"""


def file_picker(
    label: str, *, kinds: Sequence[str], max_bytes: int, key: str
) -> UploadedFile | None:
    """One file of these kinds (extensions), refused by the browser above `max_bytes`."""
    st.html(DROPZONE_STYLE)
    megabytes = max(1, max_bytes // BYTES_IN_MB)
    shown = dict.fromkeys(kind.upper() for kind in kinds if kind not in {"jpeg", "txt"})
    names = ", ".join(shown)
    return st.file_uploader(
        f"{label} ({names}; до {megabytes} МБ)", type=list(kinds), key=key,
        max_upload_size=megabytes,
    )
