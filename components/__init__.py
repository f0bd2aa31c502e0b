"""The only Streamlit code outside app_pages/: the page kit (kit/) and screen bodies by domain."""
