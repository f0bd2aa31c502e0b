"""The page kit: what any page uses (runtime, auth, nav, feedback, pickers, tables, text)."""
