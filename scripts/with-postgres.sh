#!/usr/bin/env bash
# with-postgres.sh - run a command against a throwaway PostgreSQL server.
#
# The test suite runs against SQLite and against a real PostgreSQL; this is how
# the PostgreSQL half gets its server, on a developer's machine and in CI:
#
#   bash scripts/with-postgres.sh pytest ...
#   bash scripts/with-postgres.sh psql "$DATABASE_URL" -c 'select version()'
#
# It creates a fresh cluster (initdb) in a new temp dir under /tmp, starts it
# on 127.0.0.1 on a free port (54329 upward), creates the role and database
# `soundingboard` (the role has CREATEDB so Django's test runner can create
# test_soundingboard), exports the variables below, runs CMD, then stops the
# server and deletes the temp dir - also when CMD fails or on Ctrl-C/SIGTERM
# (SIGKILL of this script can't be cleaned up after) - and exits with CMD's
# exit status. If the server binaries are missing it runs install-postgres.sh
# first.
#
# Exported to CMD:
#   DATABASE_URL            postgresql://soundingboard@127.0.0.1:PORT/soundingboard
#   SOUNDINGBOARD_PG_BIN    /usr/lib/postgresql/15/bin
#   SOUNDINGBOARD_PG_DATA   the cluster's data directory
#   SOUNDINGBOARD_PG_PORT   PORT
#   SOUNDINGBOARD_PG_LOG    the server's log file
#   PGHOST=127.0.0.1 PGPORT=PORT PGUSER=soundingboard PGDATABASE=soundingboard
#                           (libpq defaults, so plain `psql` connects here too)
#   SOUNDINGBOARD_PG_CTL    a pg_ctl command line for this cluster, to be
#                           word-split and followed by a pg_ctl mode, e.g.
#                             $SOUNDINGBOARD_PG_CTL stop -m fast
#                             $SOUNDINGBOARD_PG_CTL start -w
#                             $SOUNDINGBOARD_PG_CTL restart -m fast -w
#                           (as root it is `runuser -u postgres -- .../pg_ctl
#                           -D DATA -l LOG`; port, addresses etc. live in the
#                           cluster's config, so a restart comes back the same,
#                           and -l keeps the server off the caller's stdout).
#
# Status messages go to stderr; CMD's stdout is left alone.
# PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` OS user (created by Debian's package); as any other user it runs
# as that user.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG_BIN="${SOUNDINGBOARD_PG_BIN:-/usr/lib/postgresql/15/bin}"
FIRST_PORT=54329
PORT_TRIES=100
READY_TIMEOUT=30   # seconds
DB_NAME=soundingboard
DB_USER=soundingboard

say() { echo "with-postgres: $*" >&2; }
die() { say "error: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
secs_since() { local ms=$(($(now_ms) - $1)); printf '%d.%03ds' $((ms / 1000)) $((ms % 1000)); }

if [[ $# -eq 0 || $1 == -h || $1 == --help ]]; then
    echo "usage: $0 CMD [ARGS...]   (runs CMD with DATABASE_URL pointing at a throwaway PostgreSQL)" >&2
    exit 2
fi

for b in initdb pg_ctl postgres pg_isready psql; do
    if [[ ! -x "$PG_BIN/$b" ]]; then
        bash "$SCRIPT_DIR/install-postgres.sh" >&2
        break
    fi
done

if [[ $EUID -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "no 'postgres' OS user to run the server as (run scripts/install-postgres.sh)"
    AS_PG=(runuser -u postgres --)
else
    AS_PG=()
fi

tmp=""
data=""
logfile=""

# as_pg OUTFILE CMD...: runs CMD as the server's OS user, from a directory that
# user can read, with stdout+stderr to OUTFILE. The redirection is made inside
# the subshell so that this shell's own stderr stays put even if a trap runs
# (e.g. Ctrl-C) while CMD does.
as_pg() {
    local out=$1
    shift
    (cd "$tmp" && exec >"$out" 2>&1 && "${AS_PG[@]}" "$@")
}

stop_server() {
    [[ -n $data && -f $data/postmaster.pid ]] || return 0
    as_pg /dev/null "$PG_BIN/pg_ctl" -D "$data" stop -m fast -w -t 30 && return 0
    as_pg /dev/null "$PG_BIN/pg_ctl" -D "$data" stop -m immediate -w -t 10 && return 0
    # Last resort: the postmaster's pid is the pid file's first line.
    local pid
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        say "pg_ctl could not stop the server; killing postmaster $pid"
        kill -KILL "$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
}

# shellcheck disable=SC2317  # invoked indirectly, by the traps below
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $tmp && -d $tmp ]]; then
        local t0 what="removed"
        t0=$(now_ms)
        [[ -f $data/postmaster.pid ]] && what="stopped the server and removed"
        stop_server || true
        rm -rf -- "$tmp" || true
        say "$what $tmp in $(secs_since "$t0")"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

t_start=$(now_ms)

# Under /tmp (not $TMPDIR, which may be a dir the postgres user can't reach).
tmp="$(mktemp -d /tmp/soundingboard-pg.XXXXXX)"
data="$tmp/data"
logfile="$tmp/postgres.log"
if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$tmp"
fi

initdb_log="$tmp/initdb.log"
if ! as_pg "$initdb_log" "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C --no-sync --no-instructions; then
    cat "$initdb_log" >&2
    die "initdb failed"
fi

# Only trust, and only from this machine: the Unix socket (in $tmp, not
# reachable by other users) and 127.0.0.1.
cat >"$data/pg_hba.conf" <<'EOF'
# TYPE  DATABASE     USER  ADDRESS       METHOD
local   all          all                 trust
host    all          all   127.0.0.1/32  trust
local   replication  all                 trust
host    replication  all   127.0.0.1/32  trust
EOF

# THIS IS A THROWAWAY TEST CLUSTER. fsync, synchronous_commit and
# full_page_writes are off purely for test speed: a crash of this server (or of
# the machine) may lose or corrupt its data, which is fine here because it is
# deleted afterwards. Production deployments must keep all three ON (the
# PostgreSQL defaults); the production docs say so.
# The port lives in its own included file so it can be changed between start
# attempts; everything is in the config, so `pg_ctl restart` comes back the same.
cat >>"$data/postgresql.conf" <<EOF

# --- added by scripts/with-postgres.sh (throwaway test cluster) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
include 'port.conf'
EOF
if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$data/pg_hba.conf" "$data/postgresql.conf"
fi

port_in_use() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

port=""
for ((p = FIRST_PORT; p < FIRST_PORT + PORT_TRIES; p++)); do
    port_in_use "$p" && continue
    echo "port = $p" >"$data/port.conf"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$data/port.conf"
    : >"$logfile"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$logfile"
    if as_pg /dev/null "$PG_BIN/pg_ctl" -D "$data" -l "$logfile" start -w -t "$READY_TIMEOUT"; then
        port=$p
        break
    fi
    # Someone took the port between our check and the server's bind: next one.
    if grep -Eq 'could not bind|Address already in use|could not create any TCP/IP sockets' "$logfile"; then
        stop_server || true
        continue
    fi
    tail -n 30 "$logfile" >&2
    die "the PostgreSQL server failed to start, or was not ready within ${READY_TIMEOUT}s (pg_ctl start; log above)"
done
[[ -n $port ]] || die "no free port in $FIRST_PORT..$((FIRST_PORT + PORT_TRIES - 1)) on 127.0.0.1"

deadline=$((SECONDS + READY_TIMEOUT))
until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; do
    if ((SECONDS >= deadline)); then
        tail -n 30 "$logfile" >&2
        die "the PostgreSQL server on 127.0.0.1:$port is not accepting connections after ${READY_TIMEOUT}s (pg_isready; log above)"
    fi
    sleep 0.1
done

if ! "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE $DB_USER LOGIN CREATEDB" \
    -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null; then
    die "could not create role/database $DB_USER/$DB_NAME"
fi

export DATABASE_URL="postgresql://$DB_USER@127.0.0.1:$port/$DB_NAME"
export SOUNDINGBOARD_PG_BIN="$PG_BIN"
export SOUNDINGBOARD_PG_DATA="$data"
export SOUNDINGBOARD_PG_PORT="$port"
export SOUNDINGBOARD_PG_LOG="$logfile"
# libpq's own variables too, so plain `psql` (or `psql ""`, e.g. from a
# "$DATABASE_URL" the calling shell expanded before it was set) lands here.
export PGHOST=127.0.0.1 PGPORT="$port" PGUSER="$DB_USER" PGDATABASE="$DB_NAME"
if [[ $EUID -eq 0 ]]; then
    export SOUNDINGBOARD_PG_CTL="runuser -u postgres -- $PG_BIN/pg_ctl -D $data -l $logfile"
else
    export SOUNDINGBOARD_PG_CTL="$PG_BIN/pg_ctl -D $data -l $logfile"
fi

say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$port (data $data) in $(secs_since "$t_start")"

set +e
"$@"
status=$?
set -e
exit "$status"
