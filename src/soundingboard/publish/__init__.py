"""Consultation folders in, rendered pages out: the first stage of the data flow."""
