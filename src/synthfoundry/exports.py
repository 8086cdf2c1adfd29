"""Helpers for files that users download and open in other programs."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with a quote (OWASP's advice for
    CSV injection), so that it shows as text."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value
