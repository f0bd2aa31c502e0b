"""The class teacher's read-only class journal: summaries, drill-down, student card, charts.

Every figure is aggregated in SQL (GROUP BY); Python only folds days into weeks and shapes rows.
"""
