"""soundingboard: publish a consultation paper, collect feedback on it, analyse the responses."""

__version__ = "0.1.0"
