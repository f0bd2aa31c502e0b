"""User-provided text (names, reasons, topics, homework, recommendations) shown as plain text.

Wrap every user-provided string with `escape` before it reaches st.markdown, st.caption,
st.subheader, st.success/error/warning/info, a widget label or a tab/expander title;
multi-line text that needs its line breaks goes to st.text or a data frame, which never render
Markdown.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it also disarms
# Streamlit's own extensions (:red[…] colours, :material/…: icons, $…$ maths) and raw HTML.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


def escape(value: object) -> str:
    """The value as one Markdown line that renders literally (for labels, captions, messages)."""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))
