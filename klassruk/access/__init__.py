"""Who may do what: roles and actions, passwords, logins and session tokens."""
