"""The admin's view of the backups: when the newest was taken, its size, a warning if stale."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from components.kit.runtime import settings
from components.kit.school import school_timezone
from klassruk.clock import utcnow
from klassruk.operations.backup import newest_backup
from klassruk.text.formatting import format_number, format_timestamp

STALE_AFTER = timedelta(days=1)
HOW_TO = "Копию делает `python -m klassruk backup` (таймер systemd или cron, раз в сутки)."


def backup_status() -> None:
    """The newest backup's time and size; a warning when there is none or it is over a day old."""
    st.subheader("Резервные копии")
    newest = newest_backup(settings().backup_dir)
    if newest is None:
        st.warning(f"Резервных копий нет. {HOW_TO}")
        return
    taken, size = newest
    line = (
        f"Последняя копия: {format_timestamp(taken, school_timezone())}, "
        f"{format_number(size / 1_048_576)} МБ."
    )
    if utcnow() - taken > STALE_AFTER:
        st.warning(f"{line} Она старше суток. {HOW_TO}")
    else:
        st.success(line)
