"""How the program runs: database, schema, settings, the clock and the working calendar."""
