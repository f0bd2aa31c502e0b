"""Tests of the report screens' parts."""
