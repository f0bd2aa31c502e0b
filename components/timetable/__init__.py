"""The deputy head's planning screens: calendar, timetable, teaching load."""
