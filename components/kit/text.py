"""User-provided text (names, reasons, topics, homework, recommendations) shown as plain text."""

# Wrap every user-provided string with `escape` before it reaches st.markdown, st.caption,
# st.subheader, st.success/error/warning/info, a widget label or a tab/expander title;
# multi-line text that needs its line breaks goes to st.text or a data frame, which never render
# Markdown.

from __future__ import annotations

import re

# Characters that make inline markup anywhere: emphasis, code, links and images ([ starts both),
# raw HTML and <…> autolinks, strikethrough, Streamlit's $…$ maths.
# CommonMark lets a backslash escape any ASCII punctuation; the rest of it stays as typed so that
# messages keep their ordinary look («журнала: 5-»).
_INLINE = re.compile(r"([\\`*_\[\]<>~$|])")
# A colon before a letter or slash: Streamlit's :smile: and :material/…: shortcodes and :red[…]
# colours. «09:30» and «журнала: …» are left alone.
_COLON = re.compile(r":(?=[^\s\d])")
# GFM turns www.…, http(s)://… and e-mail addresses into links after the escapes are resolved
# (in Chromium «www\\.example.com» was still a link): an invisible word joiner breaks the pattern.
_AUTOLINK = re.compile(r"(?i)\b(?:www(?=\.)|https?(?=:)|mailto(?=:)|xmpp(?=:))|@")
WORD_JOINER = "\u2060"
# What starts a block when it opens the line: heading, quote, list item, setext underline.
_BLOCK_START = re.compile(r"^([#>+\-=]|\d+(?=[.)]))")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


def escape(value: object) -> str:
    """The value as one Markdown line that renders literally (for labels, captions, messages)."""
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    text = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text)
    text = _COLON.sub(r"\:", _INLINE.sub(r"\\\1", text))
    # «1.» → «1\\.» (the digits stay a number), «- …» → «\\- …».
    return _BLOCK_START.sub(
        lambda m: m.group(0) + "\\" if m.group(0).isdigit() else "\\" + m.group(0), text
    )
