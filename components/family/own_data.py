"""A guardian's download of what the school holds about them and their children (152-ФЗ)."""

from __future__ import annotations

import streamlit as st

from components.kit.feedback import reported_errors
from components.kit.runtime import db, db_read, school_settings
from components.kit.school import today
from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.pdf.own_data import render_own_data
from klassruk.services.activity import record_activity
from klassruk.services.cabinet.own_data import collect_own_data, own_data_archive

ARCHIVE = "own_data_archive"


def own_data_section(actor: Actor) -> None:
    """«Мои данные»: build the archive on request, then offer it for download."""
    if not actor.can(Action.DOWNLOAD_OWN_DATA):
        return
    st.subheader("Мои данные")
    st.caption(
        "Архив (ZIP) со всем, что школа хранит о вас и ваших детях: контакты, учётная запись, "
        "оценки, пропуски, согласия на обработку данных с их сканами, подтверждения и входы — "
        "в виде PDF для чтения и JSON для программ."
    )
    if st.button("Подготовить архив", key="own_data_build"):
        with reported_errors():
            settings = school_settings()
            with db_read(actor) as session:
                data = collect_own_data(
                    session, actor, on=today(), timezone=settings.timezone, now=utcnow()
                )
            pdf = render_own_data(data, school_name=settings.school_name)
            st.session_state[ARCHIVE] = own_data_archive(data, pdf)
            # The activity log keeps downloads, as it keeps logins and screens.
            with db(actor) as session:
                record_activity(session, event="own_data_download", login=actor.login,
                                user_id=actor.user_id, session_id=actor.session_id)
    archive = st.session_state.get(ARCHIVE)
    if isinstance(archive, bytes):
        st.download_button(
            "Скачать архив",
            archive,
            file_name=f"мои-данные-{today().isoformat()}.zip",
            mime="application/zip",
            key="own_data_download",
        )
