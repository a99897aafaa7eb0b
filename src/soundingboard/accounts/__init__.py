"""Analyst accounts: roles, signing in with two-factor authentication, session time-outs,
the access checks every analyst page passes, the audit log, and the pages that manage them.

Depends on `soundingboard.core` only.
"""
