"""Scope rules: which classes, groups, families, students and journals an actor may reach."""
