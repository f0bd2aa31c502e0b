"""Data files shipped with the code (the list of common passwords the policy refuses)."""
