"""Consent register (152-ФЗ): append-only entries per person, the class view, the paper list."""
