"""Second factor due: the only page until the user enrols (and has seen the recovery codes)."""

import streamlit as st

from components.kit.auth import current_actor
from components.security.second_factor import (
    enrolment_form,
    recovery_codes_unseen,
    show_recovery_codes,
)

actor = current_actor()
st.title("Второй фактор")
if recovery_codes_unseen():
    show_recovery_codes(actor)
    st.stop()
st.info(
    "Для вашей роли школа требует второй фактор входа: после пароля — код из приложения "
    "на телефоне. Подключите его; другие разделы откроются после этого."
)
enrolment_form(actor)
