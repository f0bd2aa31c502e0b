"""Paper extracts from the journal: their content, printing, the register, the schedule."""
