"""Admin: the audit trail of every change and, apart, the logins; filters and export."""

import streamlit as st

from components.administration.audit_log import (
    CHANGE_WIDTHS,
    change_filters,
    change_table,
    export_buttons,
    login_table,
)
from components.kit.auth import guard_page
from components.kit.runtime import db_read
from components.kit.school import school_timezone
from components.kit.tables import show_table
from klassruk.services.audit_trail import change_log, count_changes, count_logins, login_log

PAGE_SIZE = 100

actor = guard_page(__file__)
st.title("Журнал изменений")
zone = school_timezone()
filters = change_filters(actor)
changes_tab, logins_tab = st.tabs(["Изменения данных", "Входы в систему"])
with changes_tab:
    with db_read(actor) as session:
        total = count_changes(session, actor, filters=filters, timezone=zone)
    pages = max(1, -(-total // PAGE_SIZE))
    page = st.number_input(
        f"Страница (из {pages})", min_value=1, max_value=pages, value=1, key="audit_page",
    )
    with db_read(actor) as session:
        rows = change_log(
            session, actor, filters=filters, timezone=zone, limit=PAGE_SIZE,
            offset=(int(page) - 1) * PAGE_SIZE,
        )
    st.caption(f"Найдено изменений: {total}; показаны {len(rows)}, новые сверху.")
    show_table(
        change_table(rows, zone), key="audit_table", empty="Изменений не найдено.",
        widths=CHANGE_WIDTHS,
    )
    export_buttons(actor, filters, zone)
with logins_tab:
    with db_read(actor) as session:
        logins_total = count_logins(session, actor, filters=filters, timezone=zone)
        logins = login_log(session, actor, filters=filters, timezone=zone, limit=PAGE_SIZE)
    st.caption(
        f"Входов, неудачных попыток и выходов: {logins_total}; показаны последние {len(logins)}."
    )
    show_table(login_table(logins, zone), key="login_table", empty="Входов не найдено.")
