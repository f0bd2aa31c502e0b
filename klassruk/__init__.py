"""Klassruk core: models, services and rules, free of any UI framework."""
