"""Feedback forms and their safe storage: the middle stage of the data flow."""
