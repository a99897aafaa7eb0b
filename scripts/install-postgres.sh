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
# - Non-interactive: no debconf or conffile prompts, stdin is /dev/null.
# - `apt-get update` runs only when the install failed because the package
#   lists are missing or outdated, then the install is tried once more.
# - Prints exactly one line saying what it did; apt's own output goes to a
#   temporary log that is shown only if something fails.
# - Must run as root (or as a user with password-less sudo).
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

SUDO=()
if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        echo "install-postgres: PostgreSQL binaries missing in $PG_BIN and not root (no password-less sudo) to install them" >&2
        exit 1
    fi
fi

log="$(mktemp /tmp/install-postgres.XXXXXX.log)"
trap 'rm -f "$log"' EXIT
start=$SECONDS

# DPkg::Lock::Timeout: wait (instead of failing) if another apt/dpkg is running.
# --force-confdef/--force-confold: never stop at a conffile question.
APT_OPTS=(-y --no-install-recommends
    -o DPkg::Lock::Timeout=600
    -o Dpkg::Options::=--force-confdef
    -o Dpkg::Options::=--force-confold)

apt_install() {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install "${APT_OPTS[@]}" postgresql </dev/null >>"$log" 2>&1
}

fail() {
    echo "install-postgres: $1 (apt log follows)" >&2
    tail -n 40 "$log" >&2
    exit 1
}

did="installed Debian package postgresql"
if ! apt_install; then
    # Missing or outdated package lists look like one of these.
    if grep -Eq 'Unable to locate package|has no installation candidate|is not available|Failed to fetch|404 +Not Found|Some index files failed|Hash Sum mismatch|File has unexpected size' "$log"; then
        echo "--- apt-get update ---" >>"$log"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get update -o DPkg::Lock::Timeout=600 </dev/null >>"$log" 2>&1 \
            || fail "apt-get update failed"
        echo "--- retry install ---" >>"$log"
        apt_install || fail "apt-get install postgresql failed even after apt-get update"
        did="ran apt-get update (package lists were missing/outdated) and installed Debian package postgresql"
    else
        fail "apt-get install postgresql failed"
    fi
fi

have_binaries || fail "postgresql installed but $PG_BIN lacks ${REQUIRED[*]} (or no postgres user)"

version="PostgreSQL $("$PG_BIN/postgres" --version 2>/dev/null | awk '{print $3}')"
echo "install-postgres: $did ($version) in $((SECONDS - start))s"
