"""Management commands for analysing responses and the data kept about people: `export`,
`erase`, `purge_contacts`, `themes`, `embed`."""
