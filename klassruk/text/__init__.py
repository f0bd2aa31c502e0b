"""Text the school reads and stores: Russian formats and grammar, names, contacts, policy."""
