#!/usr/bin/env bash
# install-postgres.sh - make sure the PostgreSQL server binaries are on this machine.
#
# The test suite runs against SQLite and against a real PostgreSQL. The
# PostgreSQL half is run through scripts/with-postgres.sh, which needs the
# server binaries (initdb, pg_ctl, postgres, pg_isready, psql) of Debian's
# `postgresql` package: version 15 on bookworm, under /usr/lib/postgresql/15/bin.
# CI starts from a fresh machine where only what the project's scripts install
# exists, so this script installs them when they are missing.
#
# - Idempotent: when the binaries are already there it does nothing.
# - The install itself is scripts/apt-install.sh's: non-interactive, quiet unless
#   it fails, `apt-get update` only when the package lists are missing or outdated.
# - Prints exactly one line saying what it did.
#
# Usage: bash scripts/install-postgres.sh
# Env:   SOUNDINGBOARD_PG_BIN  directory of the server binaries
#                              (default /usr/lib/postgresql/15/bin)
set -euo pipefail

PG_BIN="${SOUNDINGBOARD_PG_BIN:-/usr/lib/postgresql/15/bin}"
REQUIRED=(initdb pg_ctl postgres pg_isready psql)

have_binaries() {
    local b
    for b in "${REQUIRED[@]}"; do
        [[ -x "$PG_BIN/$b" ]] || return 1
    done
    id -u postgres >/dev/null 2>&1 || return 1
}

if have_binaries; then
    echo "install-postgres: PostgreSQL binaries already present in $PG_BIN; nothing to do"
    exit 0
fi

start=$SECONDS
did_file="$(mktemp)"
trap 'rm -f "$did_file"' EXIT
APT_INSTALL_DID="$did_file" bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" install-postgres postgresql
did="$(cat "$did_file")"

have_binaries || { echo "install-postgres: postgresql installed but $PG_BIN lacks ${REQUIRED[*]} (or no postgres user)" >&2; exit 1; }

version="PostgreSQL $("$PG_BIN/postgres" --version 2>/dev/null | awk '{print $3}')"
echo "install-postgres: $did ($version) in $((SECONDS - start))s"
