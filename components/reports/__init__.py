"""Report screens: the analytical report, family activity, ad-hoc analysis."""
