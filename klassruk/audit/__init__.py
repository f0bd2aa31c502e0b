"""The record of every write, with Russian titles of what changed."""
