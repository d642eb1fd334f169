"""Numbered SQL migrations. Never edit one that has landed; add the next number instead."""
