"""`streamlit run serve.py`: the app with security headers, /healthz and /metrics.

Plain `streamlit run app.py` cannot add response headers; Streamlit 1.67's `st.App` can wrap
the same script with ASGI middleware. Behind nginx, its snippet deploy/security-headers.conf
sends the same list.
"""

import streamlit as st
from starlette.middleware import Middleware

from klassruk.http_headers import SecurityHeadersMiddleware
from klassruk.operations.monitoring import OperationsMiddleware
from klassruk.settings import load_settings

settings = load_settings()
app = st.App(
    "app.py",
    middleware=[
        Middleware(OperationsMiddleware, database_url=settings.database_url),
        Middleware(SecurityHeadersMiddleware, https=settings.app_url.startswith("https://")),
    ],
)
