"""The class teacher's screens: credentials, groups, consent, extracts, roster, class journal."""
