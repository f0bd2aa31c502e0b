"""How the program runs: the database and its schema, settings, stored-value limits, headers."""
