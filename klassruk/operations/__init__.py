"""What school IT runs beside the app: backups and restores."""
