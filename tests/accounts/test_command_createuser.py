"""`soundingboard createuser`: accounts made with their role and an Argon2 hash, logged; the
password checked; two-factor authentication reset for an existing account."""

from __future__ import annotations

import io
import sqlite3

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.accounts.test_accounts import PASSWORD
from tests.command_line import soundingboard


def test_createuser_makes_an_account_with_its_role_and_an_argon2_hash(tmp_path):
    data = tmp_path / "data"
    made = soundingboard(
        "createuser", "Alice", "--role", "analyst", "--email", "alice@example.org",
        "--password-stdin", data_dir=data, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "/-/sign-in/" in made.stdout
    assert "two-factor" in made.stdout
    assert PASSWORD not in made.stdout + made.stderr

    weak = soundingboard(
        "createuser", "bob", "--role", "reader", "--password-stdin", data_dir=data,
        stdin="short\n",
    )  # fmt: skip
    assert weak.returncode == 1
    assert "Password must be 12 characters or more" in weak.stderr
    again = soundingboard(
        "createuser", "alice", "--role", "admin", "--password-stdin", data_dir=data,
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert again.returncode == 1
    assert "already an account" in again.stderr

    database = sqlite3.connect(data / "soundingboard.sqlite3")
    rows = database.execute(
        "SELECT u.username, u.email, u.password, p.role, p.must_change_password "
        "FROM auth_user u JOIN analyse_analystprofile p ON p.user_id = u.id"
    ).fetchall()
    assert len(rows) == 1
    username, email, password_hash, role, must_change = rows[0]
    assert (username, email, role, must_change) == ("alice", "alice@example.org", "analyst", 0)
    assert password_hash.startswith("argon2$argon2id$")
    assert PASSWORD not in password_hash
    logged = database.execute("SELECT action, username, detail FROM analyse_auditevent").fetchall()
    assert [(a, u) for a, u, _ in logged] == [("user-created", "")]
    assert '"account": "alice"' in logged[0][2]
    assert '"via": "command line"' in logged[0][2]

    # The same hash checks out with Django's own hasher (and so at sign-in).
    from django.contrib.auth.hashers import check_password

    assert check_password(PASSWORD, password_hash)


def test_createuser_resets_two_factor_for_an_existing_account(tmp_path):
    data = tmp_path / "data"
    made = soundingboard(
        "createuser", "carol", "--role", "admin", "--password-stdin", data_dir=data,
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    database = sqlite3.connect(data / "soundingboard.sqlite3")
    with database:
        (user_id,) = database.execute("SELECT id FROM auth_user").fetchone()
        database.execute(
            "INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits, "
            "tolerance, drift, last_t, throttling_failure_count) "
            "VALUES (?, 'app', 1, '00', 30, 0, 6, 1, 0, -1, 0)",
            (user_id,),
        )
    reset = soundingboard("createuser", "carol", "--reset-2fa", data_dir=data)
    assert reset.returncode == 0, reset.stderr
    assert database.execute("SELECT count(*) FROM otp_totp_totpdevice").fetchone() == (0,)
    assert ("2fa-reset",) in database.execute("SELECT action FROM analyse_auditevent").fetchall()
    missing = soundingboard("createuser", "nobody", "--reset-2fa", data_dir=data)
    assert missing.returncode == 1
    no_role = soundingboard("createuser", "dave", "--password-stdin", data_dir=data)
    assert no_role.returncode == 1
    assert "--role" in no_role.stderr


@pytest.mark.django_db
def test_createuser_lists_every_problem_with_the_password(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    with pytest.raises(CommandError) as refused:
        call_command("createuser", "erin", "--role", "reader", "--password-stdin")
    message = str(refused.value)
    assert message.startswith("the password cannot be used:\n- ")
    assert message.count("\n- ") >= 2  # too short, and too common
    assert refused.value.returncode == 1
