"""The accounts pages, one module per group: signing in, one's own account, the administrators'
pages for accounts and for the audit log."""
