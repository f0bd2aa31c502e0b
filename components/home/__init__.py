"""The home page's sections, one per role."""
