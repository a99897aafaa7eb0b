"""Management commands for collecting responses: `import_sheet`."""
