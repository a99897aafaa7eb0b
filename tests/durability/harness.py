"""A real server to kill and restart, and clients that keep a ledger of what was confirmed.

The server is `soundingboard serve` in a session of its own, so that SIGKILL can take the
master and every worker at once (as a crash or the OOM killer would). Clients are threads
sending submissions over loopback; each submission carries a unique marker in its summary
and its own form token, and a client whose request fails sends the same form again (same
token) as a respondent pressing the button again would.

`submit()` is the one function that knows what a submission looks like on the wire: the
HTML form at /-/feedback/<page>/ (`submit_form`), or the JSON intake API (`submit_api`, chosen
with SOUNDINGBOARD_DURABILITY_SUBMIT=api). `check_ledger()` compares the ledger with what the
database holds.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookies
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core import signing
from django.db import connection

from soundingboard.collect.models import Contact, Response
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.conftest import write_consultation
from tests.live_server import ensure_nginx, free_port, hidden_fields, test_database_url

SECRET_KEY = "durability-tests-" + "k" * 40  # given to the server, so tokens can be made here
FORM_TOKEN_SALT = "soundingboard.form-token"  # as soundingboard.collect.spam
PAGE = "intake/"
REFERENCE = re.compile(r"SB-[0-9A-Z]{4}-[0-9A-Z]{4}")
RESPONDENT_COOKIE = "sb_respondent"


def tiny_consultation(folder: Path) -> Path:
    """A consultation with the default roles and one page to send feedback on."""
    return write_consultation(
        folder,
        "title: Durability\nslug: durability\npages:\n  - index.md\n  - intake.md\n",
        {"index.md": "# Durability\n", "intake.md": "# Intake\n\nSend feedback here.\n"},
    )


def new_form_token() -> str:
    """A token like the one the server puts in each rendered form (signed with its key)."""
    return signing.TimestampSigner(key=SECRET_KEY, salt=FORM_TOKEN_SALT, fallback_keys=[]).sign(
        uuid.uuid4().hex
    )


# --- the server -----------------------------------------------------------------------------


@dataclass
class KillableServer:
    """`soundingboard serve` on a fixed port, in its own process group."""

    folder: Path
    data_dir: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.data_dir / "server.log"

    def start(self, limit: float = 60) -> None:
        env = {
            **os.environ,
            "SOUNDINGBOARD_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": test_database_url(),
            "SOUNDINGBOARD_SECRET_KEY": SECRET_KEY,
            "SOUNDINGBOARD_FORM_MIN_SECONDS": "0",
            "SOUNDINGBOARD_RATE_LIMIT": "0",  # every client is 127.0.0.1
        }
        command = [sys.executable, "-m", "soundingboard.cli", "serve", str(self.folder)]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if request(self.port, "GET", "/-/healthz").status == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the server did not answer within {limit} s")

    def kill(self) -> None:
        """SIGKILL the master and all its workers at once."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        _wait_for_group_to_go(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        _wait_for_group_to_go(self.process.pid)


def _wait_for_group_to_go(group: int, limit: float = 10) -> None:
    """Workers may outlive the master by a moment; make sure none is left holding the port."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


@contextlib.contextmanager
def killable_server(folder: Path, data_dir: Path, workers: int = 2) -> Iterator[KillableServer]:
    ensure_nginx()
    server = KillableServer(folder, data_dir, workers)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- talking to it --------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    cookies: list[str]  # the Set-Cookie headers
    body: str
    location: str = ""  # where a redirect leads

    def cookie(self, name: str) -> str | None:
        """A cookie's value as it is to be sent back (still quoted, if the server quoted it)."""
        for header in self.cookies:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            if name in jar:
                return jar[name].coded_value
        return None


def request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        reply = connection.getresponse()
        text = reply.read().decode(errors="replace")
        cookies = [v for k, v in reply.getheaders() if k.lower() == "set-cookie"]
        return Reply(reply.status, cookies, text, reply.getheader("Location") or "")
    finally:
        connection.close()


@dataclass
class Client:
    """One respondent's browser: its CSRF cookie and token, and (once it has sent a form
    with its role) the cookie that remembers it, if it keeps cookies."""

    port: int
    csrf_cookie: str = ""
    csrf_token: str = ""
    respondent_cookie: str = ""
    keeps_respondent_cookie: bool = False

    def prepare(self) -> None:
        reply = request(self.port, "GET", f"/-/feedback/{PAGE}")
        assert reply.status == 200, reply.body[:500]
        # The feedback form has no CSRF token (its pages are shared; the server checks Origin).
        self.csrf_cookie = reply.cookie("csrftoken") or ""
        self.csrf_token = hidden_fields(reply.body).get("csrfmiddlewaretoken", "")


@dataclass
class Outcome:
    status: int | None  # None: no HTTP answer (connection refused or reset, timeout)
    reference: str | None  # set only for a confirmation
    error: str = ""
    body: str = ""


def submit_form(client: Client, marker: str, token: str, email: str = "") -> Outcome:
    """Send one submission through the HTML feedback form."""
    fields = {
        "csrfmiddlewaretoken": client.csrf_token,
        "token": token,
        "summary": marker,
        "details": f"Details for {marker}.",
    }
    if not client.respondent_cookie:
        fields.update(about_you="1", role=DEFAULT_ROLES[0], email=email)
    cookies = f"csrftoken={client.csrf_cookie}"
    if client.respondent_cookie:
        cookies += f"; {RESPONDENT_COOKIE}={client.respondent_cookie}"
    try:
        reply = request(
            client.port,
            "POST",
            f"/-/feedback/{PAGE}",
            urllib.parse.urlencode(fields).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookies,
                "Origin": f"http://127.0.0.1:{client.port}",
            },
        )
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, None, type(error).__name__)
    # A confirmation is a 303 See Other to its own address, which starts with the reference.
    found = REFERENCE.search(reply.location) if reply.status == 303 else None
    if found and client.keeps_respondent_cookie:
        client.respondent_cookie = reply.cookie(RESPONDENT_COOKIE) or client.respondent_cookie
    return Outcome(reply.status, found.group() if found else None, body=reply.body)


def submit_api(client: Client, marker: str, token: str, email: str = "") -> Outcome:
    """Send one submission through the JSON intake API (POST /-/api/intake, 201 + reference;
    200 + the same reference for a repeat of the same Idempotency-Key)."""
    body = json.dumps(
        {
            "tab": "Feedback",
            "page": "/" + PAGE,
            "summary": marker,
            "details": f"Details for {marker}.",
            "role": DEFAULT_ROLES[0],
            "org": "",
            "email": email,
            "nature": "",
            "hp_field": "",
        }
    ).encode()
    try:
        headers = {"Content-Type": "application/json", "Idempotency-Key": token}
        reply = request(client.port, "POST", "/-/api/intake", body, headers)
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, None, type(error).__name__)
    reference = None
    if reply.status in (200, 201):
        with contextlib.suppress(ValueError, AttributeError):
            reference = json.loads(reply.body).get("reference")
    return Outcome(reply.status, reference, body=reply.body)


# The submission path under test: the HTML form, or the JSON API with
# SOUNDINGBOARD_DURABILITY_SUBMIT=api (or by assigning `submit = submit_api`).
submit: Callable[[Client, str, str, str], Outcome] = (
    submit_api if os.environ.get("SOUNDINGBOARD_DURABILITY_SUBMIT") == "api" else submit_form
)


# --- the ledger -----------------------------------------------------------------------------


@dataclass
class Attempt:
    at: float  # time.monotonic() when it was answered (or failed)
    outcome: Outcome
    wall: float = field(default_factory=time.time)  # the same moment, by the clock


@dataclass
class Submission:
    marker: str
    token: str
    email: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def reference(self) -> str | None:
        return next((a.outcome.reference for a in self.attempts if a.outcome.reference), None)


@dataclass
class Ledger:
    """Every submission the clients made and what each attempt got back."""

    submissions: list[Submission] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, submission: Submission) -> None:
        with self.lock:
            self.submissions.append(submission)

    def attempts(self) -> list[tuple[Submission, Attempt]]:
        with self.lock:
            return [(s, a) for s in self.submissions for a in s.attempts]

    def confirmed(self) -> list[Submission]:
        with self.lock:
            return [s for s in self.submissions if s.reference]


def run_clients(
    port: int,
    ledger: Ledger,
    *,
    run: str,
    clients: int,
    per_client: int,
    stop: threading.Event,
    deadline: float,
    retries: int = 100,
    retry_pause: float = 0.1,
    returning: Callable[[int], bool] = lambda i: False,
    gives_up: Callable[[int], bool] = lambda i: False,
) -> list[threading.Thread]:
    """Start `clients` threads, each sending up to `per_client` submissions; a failed one is
    sent again with the same token (at most `retries` times, every `retry_pause` s), except
    by clients that give up (`gives_up(index)`), as a respondent closing the tab would.
    Returning clients keep the cookie that remembers their role, and so stop sending it."""

    def work(index: int) -> None:
        client = Client(port, keeps_respondent_cookie=returning(index))
        while True:
            try:
                client.prepare()
                break
            except (OSError, http.client.HTTPException, AssertionError):
                if time.monotonic() > deadline:
                    return
                time.sleep(retry_pause)
        for number in range(per_client):
            if stop.is_set() or time.monotonic() > deadline:
                return
            marker = f"durability {run} client {index} submission {number}"
            email = f"c{index}n{number}-{run}@example.org" if number % 3 == 0 else ""
            submission = Submission(marker, new_form_token(), email)
            ledger.add(submission)
            for _ in range(1 if gives_up(index) else retries):
                outcome = submit(client, marker, submission.token, email)
                with ledger.lock:
                    submission.attempts.append(Attempt(time.monotonic(), outcome))
                if outcome.reference or (0 < (outcome.status or 0) < 500):
                    break  # confirmed, or refused for a reason sending again will not change
                time.sleep(retry_pause)  # also before the next respondent, after giving up
                if stop.is_set() or time.monotonic() > deadline:
                    break

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads


# --- checking the ledger against the database ----------------------------------------------


def wait_for(condition, limit: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def check_ledger(
    ledger: Ledger, run: str, *, balanced: bool = False
) -> tuple[list[str], Counter[str]]:
    """Problems found (empty: the promise held) and counts for the report.

    `balanced`: the clients went through a load balancer, which answers 502 when the server
    it passed a request to stopped before answering (the client sends it again); any other
    answer without a reference is still a problem."""
    connection.close()  # the database may have restarted under this connection
    rows: dict[str, list[str]] = {}
    stored_at: dict[str, float] = {}
    for summary, reference, submitted_at in Response.objects.filter(
        summary__startswith=f"durability {run} "
    ).values_list("summary", "reference", "submitted_at"):
        rows.setdefault(summary, []).append(reference)
        stored_at[summary] = submitted_at.timestamp()
    problems: list[str] = []
    counts: Counter[str] = Counter(submissions=len(ledger.submissions))
    known = set()
    for submission in ledger.submissions:
        known.add(submission.marker)
        stored = rows.get(submission.marker, [])
        if len(stored) > 1:
            problems.append(f"{submission.marker!r} stored {len(stored)} times: {stored}")
        if submission.reference:
            counts["confirmed"] += 1
            if len(submission.attempts) > 1:
                counts["confirmed after sending again"] += 1
                first_failure = submission.attempts[0].wall
                if stored_at.get(submission.marker, first_failure) < first_failure:
                    counts["... of which an unanswered attempt had already stored"] += 1
            if stored != [submission.reference]:
                problems.append(
                    f"{submission.marker!r} confirmed as {submission.reference}, stored {stored}"
                )
        else:
            counts["never confirmed, stored" if stored else "never confirmed, not stored"] += 1
        for attempt in submission.attempts:
            outcome = attempt.outcome
            if outcome.status is None:
                counts[f"no answer ({outcome.error})"] += 1
            elif outcome.reference:
                counts["confirmations"] += 1
            elif balanced and outcome.status == 502:
                counts["502 from the balancer (its server stopped mid-request)"] += 1
            elif outcome.status == 503:
                counts["503 (answers kept, not saved)"] += 1
                if submit is submit_form and submission.marker not in outcome.body:
                    problems.append(f"503 for {submission.marker!r} without the answers")
            else:
                counts[f"HTTP {outcome.status}"] += 1
                problems.append(
                    f"{submission.marker!r} got HTTP {outcome.status} with no reference:\n"
                    + outcome.body[:2000]
                )
    for marker in set(rows) - known:
        problems.append(f"{marker!r} stored but never sent")
    orphans = Contact.objects.filter(email__endswith=f"-{run}@example.org", responses=None)
    if orphans.exists():
        problems.append(f"{orphans.count()} contact records stored without their response")
    return problems, counts


def report(title: str, counts: Counter[str], **extra: object) -> None:
    print(f"\n{title}:")
    for key, value in {**counts, **extra}.items():
        print(f"  {key}: {value}")
