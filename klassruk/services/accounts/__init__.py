"""Accounts: logging in, sessions, passwords, the admin's user list and blocking."""
