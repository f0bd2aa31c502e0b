"""The subject teacher's screens: the journal and the day's lessons."""
