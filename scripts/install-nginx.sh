#!/usr/bin/env bash
# install-nginx.sh - make sure Debian's nginx is on this machine.
#
# `soundingboard serve` starts nginx in front of gunicorn's sync workers, so that slow and
# idle clients wait on nginx, never on a worker (docs/running-in-production.md). It runs
# /usr/sbin/nginx as its own child process, with a configuration it writes into the data
# directory; Debian's own nginx service is not used. CI and a fresh machine have only what
# the project's scripts install, so `make demo`, `make test` and tests that need nginx run
# this script, which installs Debian's `nginx` package when it is missing.
#
# - Idempotent: when nginx is already there it does nothing.
# - The install itself is scripts/apt-install.sh's: non-interactive, quiet unless
#   it fails, `apt-get update` only when the package lists are missing or outdated.
# - Prints exactly one line saying what it did.
#
# Usage: bash scripts/install-nginx.sh
# Env:   SOUNDINGBOARD_NGINX  nginx's path (default /usr/sbin/nginx)
set -euo pipefail

NGINX="${SOUNDINGBOARD_NGINX:-/usr/sbin/nginx}"

have_nginx() {
    [[ -x "$NGINX" ]] && "$NGINX" -v >/dev/null 2>&1
}

version() {
    "$NGINX" -v 2>&1 | head -n 1 | sed 's/^nginx version: //'
}

if have_nginx; then
    echo "install-nginx: $(version) already at $NGINX; nothing to do"
    exit 0
fi

start=$SECONDS
did_file="$(mktemp)"
trap 'rm -f "$did_file"' EXIT
APT_INSTALL_DID="$did_file" bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" install-nginx nginx
did="$(cat "$did_file")"

have_nginx || { echo "install-nginx: nginx installed but $NGINX does not run" >&2; exit 1; }

echo "install-nginx: $did ($(version)) in $((SECONDS - start))s"
