"""Template tags of the consultation's public pages."""
