"""Screens of notifications: family settings and inbox, staff messages, sender status, links."""
