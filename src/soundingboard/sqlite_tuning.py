"""How soundingboard opens SQLite: durable, and kind to several writer processes.

WAL lets readers carry on while one process writes; `synchronous=FULL` makes every commit
durable before a respondent is told their answers are saved. Write transactions start with
`BEGIN IMMEDIATE`, so a process waits for the write lock at the start of its transaction
(where waiting is safe) instead of failing part-way through with "database is locked".

Submissions queue for the write lock on a lock file first (`collect.write_lock`), so they
rarely meet SQLite's busy handler, whose sleep-and-poll waits make the slowest requests slow;
`busy_timeout` still covers every other writer (migrations, imports, the admin).
"""

SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=FULL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=20000"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
