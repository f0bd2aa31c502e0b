"""`streamlit run serve.py`: the app with security headers on every HTTP response.

Plain `streamlit run app.py` cannot add response headers; Streamlit 1.67's `st.App` can wrap
the same script with ASGI middleware. Behind nginx, its snippet deploy/security-headers.conf
sends the same list.
"""

import streamlit as st
from starlette.middleware import Middleware

from klassruk.http_headers import SecurityHeadersMiddleware
from klassruk.settings import load_settings

app = st.App(
    "app.py",
    middleware=[
        Middleware(
            SecurityHeadersMiddleware, https=load_settings().app_url.startswith("https://")
        )
    ],
)
