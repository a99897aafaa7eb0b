"""What the Django side of themes shares: the error a refused change raises, and how many
rows one query reads or writes. Kept apart so that `runs` and `tags` can both use them
without importing each other."""

from __future__ import annotations

CHUNK = 500  # ids per query, and rows per insert


class ThemeError(ValueError):
    """A change that cannot be made, with a message to show the analyst."""
