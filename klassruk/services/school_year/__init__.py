"""The school year's end: closing it, promoting classes, opening the next year."""
