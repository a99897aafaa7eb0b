"""Management commands for publishing consultations: `adopt`."""
