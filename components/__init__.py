"""Streamlit glue: the only UI code outside app_pages/."""
