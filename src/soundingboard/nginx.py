"""The nginx that `soundingboard serve` starts in front of gunicorn, and its configuration.

gunicorn's sync workers serve Django fastest here, but each one is held by a single
connection for as long as that connection takes to send its request: a few idle or slowly
sending clients stop the site answering anyone. nginx reads every request whole (headers and
body, with short timeouts) and takes every response whole before it hands either on, so a
worker only ever sees complete requests on a private unix socket, and slow clients cost nginx
a little memory each. See docs/running-in-production.md and docs/performance.md ("Slow
clients").

The configuration is written from `TEMPLATE` into the data directory on every start; the same
settings, with TLS added, are the production guide's nginx configuration. The same template,
with several servers in its upstream, is the load balancer of scripts/scale_out.py.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import resource
import shutil
from collections.abc import Collection, Sequence
from pathlib import Path
from string import Template

from .publish.settings_schema import ATTACHMENT_MAX_MB_LIMIT, MAX_FILES_LIMIT

NGINX_ENV = "SOUNDINGBOARD_NGINX"
DEFAULT_NGINX = "/usr/sbin/nginx"
INSTALL_COMMAND = "sudo apt-get install nginx"
# Connections with a request in progress (its headers read) from one client address. Generous,
# since a whole council may share one address, and still far below what nginx holds.
CONNECTIONS_PER_CLIENT = 50
# The feedback form's largest request: the most documents of the largest size any
# consultation may allow (publish.settings_schema), and a megabyte for the answers.
ATTACHMENT_BODY_BYTES = (MAX_FILES_LIMIT * ATTACHMENT_MAX_MB_LIMIT + 1) * 1024 * 1024

TEMPLATE = Template(
    """\
# Written by soundingboard on every start: edits here are lost.
# See docs/running-in-production.md for the configuration to run nginx yourself.
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $open_files;
worker_shutdown_timeout 10s;
pid $run_dir/nginx.pid;
# Client addresses are personal data: nginx's error lines name them, so only critical ones.
error_log stderr crit;
$user

events {
    worker_connections $connections;
}

http {
    access_log off;
    server_tokens off;
    client_body_temp_path $run_dir/client-body;
    proxy_temp_path $run_dir/proxy;
    fastcgi_temp_path $run_dir/fastcgi;
    uwsgi_temp_path $run_dir/uwsgi;
    scgi_temp_path $run_dir/scgi;

    # Slow and idle clients: a request's headers must arrive within 10 s, its body must not
    # stall for 10 s, and a client that stops reading an answer is dropped after 10 s.
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 10s;
    keepalive_timeout 5s;
    reset_timedout_connection on;
    client_max_body_size $max_body;
    limit_conn_zone $$binary_remote_addr zone=per_client:10m;
    limit_conn per_client $per_client;
    limit_conn_status 429;

    # Pages that Django marks as the same for every visitor (X-Accel-Expires, see
    # soundingboard/core/shared_cache.py) are kept here for as long as it says, and nothing
    # else: Cache-Control and Expires are for browsers. Emptied on every start.
    proxy_cache_path $run_dir/cache levels=1:2 keys_zone=soundingboard_pages:10m
                     max_size=256m inactive=10m use_temp_path=off;
    # Django compresses what it may (soundingboard/core/compression.py): it is asked for
    # one coding, and a shared page is kept once for each.
    map $$http_accept_encoding $$soundingboard_coding {
        default "";
        "~*(^|[ ,])br([ ;,]|$$)" br;
        "~*(^|[ ,])gzip([ ;,]|$$)" gzip;
    }

    upstream soundingboard {
$servers    }

    server {
        listen $listen;

        location / {
            proxy_pass http://soundingboard;
            # Whole requests in, whole answers out: a worker never waits on a client.
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_connect_timeout 5s;
$retries            # As long as gunicorn gives a request (a large export).
            proxy_read_timeout 300s;
            proxy_send_timeout 300s;
            proxy_redirect off;
            proxy_set_header Host $$http_host;
            # The client as nginx saw it, replacing anything the client sent.
            proxy_set_header X-Forwarded-For $$remote_addr;
            proxy_set_header X-Real-IP $$remote_addr;
            proxy_set_header X-Forwarded-Proto $$scheme;
            proxy_set_header X-Forwarded-Ssl "";
            proxy_set_header X-Forwarded-Protocol "";
            proxy_set_header X-Forwarded-Host "";
            proxy_set_header X-Forwarded-Port "";
            proxy_set_header Forwarded "";
            proxy_set_header Accept-Encoding $$soundingboard_coding;

            proxy_cache soundingboard_pages;
            proxy_cache_key "$$scheme://$$http_host$$request_uri $$soundingboard_coding";
            proxy_ignore_headers Cache-Control Expires Vary;
            # A visitor with a session or remembered details always gets their own page.
            proxy_cache_bypass $private_cookies;
            proxy_no_cache $private_cookies;
            # One request builds a missing page, the others wait for it; a page past its
            # time is built again by one request while the rest get the copy they had.
            proxy_cache_lock on;
            proxy_cache_lock_timeout 5s;
            proxy_cache_use_stale updating;
            proxy_cache_background_update on;
            add_header X-Cache-Status $$upstream_cache_status always;

            # The feedback form may carry attached documents: larger bodies here only, where
            # Django checks each consultation's own limits and answers with the form's message.
            location ~ /-/feedback/ {
                client_max_body_size $attachment_body;
                proxy_pass http://soundingboard;
            }
        }
    }
}
"""
)


def find_nginx() -> str | None:
    """nginx's path: $SOUNDINGBOARD_NGINX, Debian's /usr/sbin/nginx, or on the PATH."""
    named = os.environ.get(NGINX_ENV)
    if named:
        return named if os.access(named, os.X_OK) else None
    if os.access(DEFAULT_NGINX, os.X_OK):
        return DEFAULT_NGINX
    return shutil.which("nginx")


def listen_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def open_files_limit() -> int:
    """Raise this process's open-file limit as far as allowed (nginx inherits it): every
    held connection is a file, two while a request is passed on."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return soft


# Balancing between servers: a request that no server has received (the connection was
# refused or timed out) goes to the next one, whatever its method; one that a server received
# and then failed to answer is sent again only if it is idempotent (GET, HEAD and the like).
# nginx never sends a POST twice unless told to (`non_idempotent`); a respondent whose server
# stopped mid-request gets a 502 and sends the form again, and its token keeps that one
# submission (docs/running-in-production.md, "Several machines").
RETRIES = """\
            # A request no server received goes to the next; a POST is never sent twice.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_next_upstream_timeout 10s;
"""
# Cookies whose visitors never get a page from the cache: the analysts' session and the
# respondents' remembered details (soundingboard.core.shared_cache.private_cookies(), which
# `serve` passes; scripts/scale_out.py, which has no Django settings, gets these).
PRIVATE_COOKIES = ("sessionid", "sb_respondent")

# A server that fails is left out for this long before it is tried again.
FAIL_TIMEOUT_SECONDS = 5


def write_config(
    run_dir: Path,
    *,
    host: str,
    port: int,
    max_body_bytes: int,
    socket: Path | None = None,
    upstreams: Sequence[str] = (),
    down: Collection[str] = (),
    private_cookies: Sequence[str] = PRIVATE_COOKIES,
) -> Path:
    """Write nginx.conf into `run_dir` (private: it also holds buffered requests and answers),
    passing requests on to gunicorn's `socket`, or balancing them between `upstreams`
    (addresses such as "10.0.0.5:8000"), except those `down` (taken out to be stopped)."""
    if socket is not None:
        servers = f"        server unix:{socket};\n"
    else:
        servers = "".join(
            f"        server {address} max_fails=1 fail_timeout={FAIL_TIMEOUT_SECONDS}s"
            + (" down;\n" if address in down else ";\n")
            for address in upstreams
        )
    if not servers:
        raise ValueError("nginx needs a socket or at least one upstream address")
    if not all(re.fullmatch(r"[A-Za-z0-9_]+", name) for name in private_cookies):
        raise ValueError(
            f"cookie names nginx can read are letters, digits and _: {private_cookies}"
        )
    # Nothing kept from an earlier run: the consultations may have changed since.
    shutil.rmtree(run_dir / "cache", ignore_errors=True)
    open_files = open_files_limit()
    user = ""
    if os.geteuid() == 0:
        # Started as root, nginx would run its workers as `nobody`, who cannot reach the
        # private socket: they run as the user soundingboard runs as.
        entry = pwd.getpwuid(os.geteuid())
        user = f"user {entry.pw_name} {_group_name(entry.pw_gid)};"
    text = TEMPLATE.substitute(
        run_dir=run_dir,
        servers=servers,
        retries=RETRIES if socket is None else "",
        listen=listen_address(host, port),
        max_body=max_body_bytes,
        attachment_body=max(max_body_bytes, ATTACHMENT_BODY_BYTES),
        open_files=open_files,
        connections=max(512, min(16384, open_files // 2 - 64)),
        per_client=CONNECTIONS_PER_CLIENT,
        private_cookies=" ".join(f"$cookie_{name}" for name in private_cookies),
        user=user,
    )
    config = run_dir / "nginx.conf"
    config.write_text(text)
    config.chmod(0o600)
    return config


def command(nginx: str, config: Path) -> list[str]:
    # -p and -e keep nginx away from its compiled-in paths under /var and /etc, which only
    # root may write.
    return [nginx, "-p", str(config.parent), "-e", "stderr", "-c", str(config)]


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
