"""No-loss tests: kill the server, fill the disk, restart the database."""
