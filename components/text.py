"""User-provided text (names, reasons, topics, homework, recommendations) shown as plain text."""

from __future__ import annotations

import re

import streamlit as st

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it also disarms
# Streamlit's own extensions (:red[…] colours, :material/…: icons, $…$ maths) and raw HTML.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


def escape(value: object) -> str:
    """The value as one Markdown line that renders literally (for labels, captions, messages)."""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))


def plain(value: object) -> None:
    """Show a user-provided string as plain text, never Markdown or HTML."""
    st.text(str(value))
