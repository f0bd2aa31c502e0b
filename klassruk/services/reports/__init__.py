"""Reports: school metrics, the analytical report, family activity, ad-hoc analysis, exports."""
