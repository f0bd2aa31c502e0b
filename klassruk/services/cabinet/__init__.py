"""The family cabinet: what a guardian sees of each own child, and a student of themself."""
