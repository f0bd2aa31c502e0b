"""`python -m klassruk serve`: the app with security headers, /healthz and /metrics.

Plain `streamlit run app.py` cannot add response headers; Streamlit 1.67's `st.App` can wrap
the same script with ASGI middleware. Behind nginx, its snippet deploy/security-headers.conf
sends the same list. `python -m klassruk serve` runs `streamlit run serve.py` with uvicorn's
proxy trust taken from KLASSRUK_TRUSTED_PROXIES; started otherwise, this module refuses a
server that trusts more than that.
"""

import os
from datetime import timedelta

import streamlit as st
from starlette.middleware import Middleware

from klassruk.infra.http_headers import SecurityHeadersMiddleware
from klassruk.infra.settings import check_server_trust, load_settings
from klassruk.operations.monitoring import OperationsMiddleware
from klassruk.services.school_settings import SchoolAddressReader, served_over_https

_settings = load_settings()
# uvicorn has read its trust already (this module is imported after): it cannot be changed here.
check_server_trust(_settings.trusted_proxies, os.environ)
# HSTS follows the school's address as the admin sets it (else KLASSRUK_APP_URL), re-read
# every half minute: one setting decides the cookie's Secure flag, HSTS and printed links.
_address = SchoolAddressReader(
    _settings.database_url, _settings.app_url, ttl=timedelta(seconds=30)
)

app = st.App(
    "app.py",
    middleware=[
        Middleware(OperationsMiddleware, database_url=_settings.database_url),
        Middleware(SecurityHeadersMiddleware, https=lambda: served_over_https(_address())),
    ],
)
