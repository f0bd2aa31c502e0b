"""The weekly timetable, lessons generated from it, and announced changes to lessons."""
