"""The admin's screens: accounts, the change log, backups."""
