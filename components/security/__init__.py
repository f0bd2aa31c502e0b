"""Account security screens: passwords, the second factor, compromise reports and incidents."""
