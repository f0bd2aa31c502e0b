"""How names typed in the load are compared: folded case, spaces and ё; classes by their letter."""

from __future__ import annotations

import re

from klassruk.text.cyrillic import normalize_class_name

# Saving the load and adding subjects take this transaction lock: subjects are compared by
# folded name (no unique index expresses it) and a save creates subjects and groups too.
LOAD_LOCK = "teaching_load"


def fold(text: str) -> str:
    """The text with spaces collapsed, case folded and ё as е."""
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold().replace("ё", "е")


def class_key(text: str) -> str:
    """A class name as the key it is looked up by."""
    # «7A» typed with a Latin A is the class 7А.
    return normalize_class_name(text) or re.sub(r"\s+", "", text).upper().replace("Ё", "Е")
