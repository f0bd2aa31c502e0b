"""Second factor screens: enrolment (QR code, key, confirming code) and the recovery codes."""

from __future__ import annotations

import io

import segno
import streamlit as st

from components.kit.feedback import reported_errors
from components.kit.runtime import db, db_read, school_settings
from components.kit.school import today
from klassruk.access.permissions import Action, Actor, Role
from klassruk.pdf.recovery_codes import render_recovery_codes
from klassruk.services.accounts.sessions import SessionUser
from klassruk.services.second_factor import (
    TotpSetup,
    confirm_enrolment,
    has_second_factor,
    needs_enrolment,
    own_name,
    start_enrolment,
    unused_recovery_codes,
)
from klassruk.text.formatting import format_date

# The offered secret lives only in this browser session until a code confirms it.
_SETUP = "second_factor_setup"
# Recovery codes just made: shown once, until the user says they are saved.
_RECOVERY = "second_factor_recovery_codes"


def qr_png(uri: str) -> bytes:
    """The otpauth address as a QR code picture."""
    picture = io.BytesIO()
    segno.make(uri, error="m").save(picture, kind="png", scale=5, border=4)
    return picture.getvalue()


def must_show_second_factor_page(user: SessionUser, required: frozenset[Role]) -> bool:
    """Whether the run shows only the second factor page: enrolment is due or codes unseen."""
    return needs_enrolment(user, required) or recovery_codes_unseen()


def _offered_setup(actor: Actor) -> TotpSetup | None:
    if _SETUP not in st.session_state:
        if not st.button("Подключить второй фактор", key="totp_start", type="primary"):
            return None
        with reported_errors(), db_read(actor) as session:
            st.session_state[_SETUP] = start_enrolment(session, actor)
    setup = st.session_state.get(_SETUP)
    return setup if isinstance(setup, TotpSetup) else None


def enrolment_form(actor: Actor) -> None:
    """Offer a new key, show it once, switch the second factor on with a code from the app."""
    setup = _offered_setup(actor)
    if setup is None:
        return
    picture, key = st.columns([1, 2])
    picture.image(qr_png(setup.uri), caption="Отсканируйте в приложении", width=220)
    key.write(
        "Отсканируйте QR-код приложением-аутентификатором (Яндекс Ключ, Google Authenticator, "
        "Microsoft Authenticator, FreeOTP) или введите в нём ключ вручную:"
    )
    key.code(setup.grouped_secret, language=None)
    key.caption(
        "Ключ показан только сейчас: после подключения его не увидит никто, "
        "в том числе администратор. Не пересылайте его и не фотографируйте экран."
    )
    with st.form("totp_confirm", clear_on_submit=True):
        code = st.text_input("Код из приложения (6 цифр)", key="totp_code", max_chars=7)
        if not st.form_submit_button("Подключить", type="primary"):
            return
    with reported_errors():
        with db(actor) as session:
            codes = confirm_enrolment(session, actor, setup=setup, code=code)
        st.session_state.pop(_SETUP, None)
        st.session_state[_RECOVERY] = codes
        st.rerun()


def recovery_codes_unseen() -> bool:
    """Whether recovery codes were just made and are still to be shown."""
    return _RECOVERY in st.session_state


def show_recovery_codes(actor: Actor) -> None:
    """The new recovery codes, once, on screen and as a PDF; gone once the user saved them."""
    codes = st.session_state.get(_RECOVERY) or []
    with db_read(actor) as session:
        name = own_name(session, actor)
    st.success("Второй фактор подключён: при входе после пароля будет нужен код из приложения.")
    st.warning(
        "Сохраните резервные коды — распечатайте или запишите и храните отдельно от телефона. "
        "Каждый код можно использовать один раз вместо кода из приложения. "
        "Больше они показаны не будут."
    )
    st.code("\n".join(codes), language=None)
    pdf = render_recovery_codes(
        codes, name=name, login=actor.login, school_name=school_settings().school_name,
        made_on=format_date(today()),
    )
    st.download_button(
        "Скачать коды для печати (PDF)", data=pdf, file_name="rezervnye_kody.pdf",
        mime="application/pdf", icon=":material/print:", key="totp_codes_pdf",
        on_click="ignore",
    )
    if st.button("Я сохранил(а) резервные коды", key="totp_codes_saved", type="primary"):
        st.session_state.pop(_RECOVERY, None)
        st.rerun()


def second_factor_section(actor: Actor) -> None:
    """The profile's part for staff: the second factor's state, or its enrolment."""
    if not actor.can(Action.USE_SECOND_FACTOR):
        return
    st.subheader("Второй фактор")
    with db_read(actor) as session:
        enabled = has_second_factor(session, actor)
        left = unused_recovery_codes(session, actor) if enabled else 0
    if not enabled:
        st.caption(
            "Вход с кодом из приложения на телефоне: даже узнав пароль, посторонний "
            "не войдёт без вашего телефона."
        )
        enrolment_form(actor)
        return
    st.write(
        "Подключён: при входе после пароля нужен код из приложения. "
        f"Неиспользованных резервных кодов: {left}."
    )
    st.caption(
        "Потеряли телефон или резервные коды — обратитесь к администратору школы: он сбросит "
        "второй фактор, и вы подключите его заново."
    )
