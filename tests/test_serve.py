"""`soundingboard serve` end to end: gunicorn, static files, and a feedback POST without JS."""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from soundingboard.collect.models import Response
from soundingboard.nginx import find_nginx
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.conftest import EXAMPLE
from tests.live_server import ensure_nginx, hidden_fields, running_server
from tests.live_server import test_database_url as live_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_an_mkdocs_project_serves_and_stores_feedback(seed_site, tmp_path):
    with running_server([seed_site], tmp_path) as server:
        status, _, page = server.get("/models/")
        assert status == 200
        assert "Models for delivery" in page
        assert "gs-form" not in page and 'id="feedback"' in page

        css = re.search(r'href="(/-/static/soundingboard/app\.[0-9a-f]+\.css)"', page).group(1)
        request = urllib.request.Request(server.url + css, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert "max-age=31536000" in reply.headers["Cache-Control"]
            assert reply.headers["Content-Encoding"] == "gzip"
            assert b"sb-header" in gzip.decompress(reply.read())
        with urllib.request.urlopen(server.url + "/favicon.ico", timeout=10) as reply:
            assert reply.url == server.url + "/favicon.ico"  # answered, not redirected
            assert reply.headers["Content-Type"] == "image/x-icon"

        status, _, reply = server.post(
            "/-/feedback/models/",
            {
                **hidden_fields(page),
                "about_you": "1",
                "summary": "Sent with no JavaScript",
                "role": DEFAULT_ROLES[2],
            },
        )
        assert status == 200, reply
        stored = Response.objects.get()
        assert stored.summary == "Sent with no JavaScript"
        assert stored.reference in reply

        status, _, second = server.get("/mechanisms/")
        assert 'name="role"' not in second and "You are giving feedback as" in second


def test_a_broken_folder_stops_the_server_with_the_message(tmp_path):
    from tests.conftest import write_consultation

    folder = write_consultation(tmp_path / "bad", "title: Bad\npages:\n  - nope.md\n", {})
    with (
        pytest.raises(RuntimeError, match=r"the page “nope\.md” does not exist"),
        running_server([folder], tmp_path),
    ):
        pass


def _log_once_it_says(log: Path, text: str, limit: float = 30) -> str:
    deadline = time.monotonic() + limit
    while text not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    return log.read_text()


def test_serve_says_where_it_answers_and_how_to_make_the_first_account(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with running_server([EXAMPLE], data) as server:
        said = _log_once_it_says(data / "server.log", "Serving at")
        assert f"Serving at {server.url}/" in said
        assert f"The analyst workspace is at {server.url}/-/analyse/" in said
        assert "soundingboard createuser NAME --role admin" in said
        made = _createuser("first", data)
        assert f"Next: sign in at {server.url}/-/sign-in/" in made.stdout, made.stdout
    made = _createuser("second", data)  # nothing answers now: no address is named
    assert "Next: sign in at /-/sign-in/ on the site, once it is served" in made.stdout
    with running_server([EXAMPLE], data) as server:
        said = _log_once_it_says(data / "server.log", "The analyst workspace")
        assert "createuser NAME" not in said  # accounts exist now


def _createuser(name: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "soundingboard.cli", "createuser", name, "--role", "admin"]
    env = {**os.environ, "SOUNDINGBOARD_DATA_DIR": str(data_dir)}
    env["DATABASE_URL"] = live_database_url()
    return subprocess.run(
        [*command, "--password-stdin"],
        input="correct horse battery staple 42\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )


def _serve(*args: str, data_dir, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soundingboard.cli", "serve", str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "SOUNDINGBOARD_DATA_DIR": str(data_dir), **env},
        timeout=120,
    )


def test_serve_without_nginx_says_how_to_install_it_and_does_nothing(tmp_path):
    done = _serve(data_dir=tmp_path / "data", SOUNDINGBOARD_NGINX=str(tmp_path / "no-nginx"))
    assert done.returncode == 1
    assert "nginx is not installed" in done.stderr
    assert "sudo apt-get install nginx" in done.stderr and "--no-proxy" in done.stderr
    assert not (tmp_path / "data" / "soundingboard.sqlite3").exists()


def test_serve_refuses_https_behind_its_own_nginx(tmp_path):
    ensure_nginx()
    done = _serve(data_dir=tmp_path / "data", SOUNDINGBOARD_HTTPS="1")
    assert done.returncode == 1
    assert "SOUNDINGBOARD_HTTPS=1" in done.stderr and "--no-proxy" in done.stderr


def test_the_production_guides_nginx_configuration_is_valid(tmp_path):
    """The guide's complete configuration (its one nginx block with a whole `server`), inside
    a minimal main configuration, passes `nginx -t` (with a throwaway certificate, or without
    TLS where openssl is missing)."""
    ensure_nginx()
    guide = (Path(__file__).parent.parent / "docs" / "running-in-production.md").read_text()
    complete = [b for b in re.findall(r"```nginx\n(.*?)```", guide, re.S) if "server {" in b]
    assert len(complete) == 1, "the guide has one complete nginx configuration"
    site = complete[0]
    assert "proxy_request_buffering on;" in site and "proxy_buffering on;" in site
    for directive in ("client_header_timeout", "client_body_timeout", "limit_conn "):
        assert directive in site
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    if shutil.which("openssl"):
        openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        openssl += ["-subj", "/CN=example.org", "-keyout", str(key), "-out", str(certificate)]
        subprocess.run(
            openssl,
            check=True,
            capture_output=True,
        )
        site = re.sub(r"ssl_certificate (\S+);", f"ssl_certificate {certificate};", site)
        site = re.sub(r"ssl_certificate_key (\S+);", f"ssl_certificate_key {key};", site)
    else:
        site = re.sub(r"\n\s*ssl_[^\n]*", "", site).replace(" ssl http2;", ";")
    assert "proxy_cache_bypass $cookie_sessionid $cookie_sb_respondent;" in site
    site = site.replace("/var/cache/nginx/soundingboard", str(tmp_path / "cache"))
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(f"pid {tmp_path / 'nginx.pid'};\nevents {{}}\nhttp {{\n{temp}\n{site}\n}}\n")
    checked = subprocess.run(
        [str(find_nginx()), "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def test_when_nginx_dies_serve_stops_gunicorn_and_exits_1(tmp_path):
    with running_server([EXAMPLE], tmp_path, workers=1) as server:
        children = _children(server.process.pid)  # gunicorn's master, nginx's, the worker
        nginx = int((tmp_path / "run" / "nginx.pid").read_text())
        assert nginx in children and len(children) == 3
        os.kill(nginx, signal.SIGKILL)
        assert server.process.wait(timeout=30) == 1
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    assert "nginx stopped by itself" in (tmp_path / "server.log").read_text()
