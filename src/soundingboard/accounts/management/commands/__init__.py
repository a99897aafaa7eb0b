"""Management commands for analyst accounts: `createuser`."""
