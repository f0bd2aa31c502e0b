"""Credentials of students and guardians: who gets them, codes, issuing, the board, blocking."""
