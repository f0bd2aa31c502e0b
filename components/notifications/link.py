"""The page a link from a notification opens, without a login: it does one thing, once."""

from __future__ import annotations

import hashlib

import streamlit as st

from components.kit.runtime import db, settings
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.services.notifications.links import LINK_PARAMETER, LinkError, use_link

LINK_ACTOR = Actor.system("email-link")


def follow_link() -> None:
    """Use the link in the address once; later reruns of this browser tab show the same result."""
    token = st.query_params.get(LINK_PARAMETER, "")
    key = "link_" + hashlib.sha256(token.encode()).hexdigest()[:16]
    if key not in st.session_state:
        try:
            with db(LINK_ACTOR) as session:
                outcome = use_link(session, token=token, secret=settings().cookie_key)
            st.session_state[key] = (True, outcome.title, outcome.detail)
        except LinkError as error:
            st.session_state[key] = (False, "Ссылка не сработала", str(error))
    done, title, detail = st.session_state[key]
    st.subheader(escape(title))
    (st.success if done else st.error)(escape(detail))
    st.caption("Эту вкладку можно закрыть.")
