"""Template tags of the analyst workspace."""
