"""Tests of the page kit."""
