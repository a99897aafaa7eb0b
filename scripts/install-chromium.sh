#!/usr/bin/env bash
# install-chromium.sh - make sure Debian's Chromium is on this machine.
#
# tests/browser/ runs the original site's form scripts in headless Chromium,
# driven by Playwright, which is told to use this Chromium (/usr/bin/chromium)
# and never downloads a browser of its own. CI starts from a fresh machine
# where only what the project's scripts install exists, so this script
# installs Debian's `chromium` package when it is missing. `make test` runs it.
#
# - Idempotent: when Chromium is already there it does nothing.
# - Non-interactive: no debconf or conffile prompts, stdin is /dev/null.
# - `apt-get update` runs only when the install failed because the package
#   lists are missing or outdated, then the install is tried once more.
# - Prints exactly one line saying what it did; apt's own output goes to a
#   temporary log that is shown only if something fails.
# - Must run as root (or as a user with password-less sudo).
#
# Usage: bash scripts/install-chromium.sh
# Env:   SOUNDINGBOARD_CHROMIUM  the browser's path (default /usr/bin/chromium)
set -euo pipefail

CHROMIUM="${SOUNDINGBOARD_CHROMIUM:-/usr/bin/chromium}"

have_chromium() {
    [[ -x "$CHROMIUM" ]] && "$CHROMIUM" --version >/dev/null 2>&1
}

if have_chromium; then
    echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null | head -n 1) already at $CHROMIUM; nothing to do"
    exit 0
fi

SUDO=()
if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        echo "install-chromium: Chromium missing at $CHROMIUM and not root (no password-less sudo) to install it" >&2
        exit 1
    fi
fi

log="$(mktemp /tmp/install-chromium.XXXXXX.log)"
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
        apt-get install "${APT_OPTS[@]}" chromium </dev/null >>"$log" 2>&1
}

fail() {
    echo "install-chromium: $1 (apt log follows)" >&2
    tail -n 40 "$log" >&2
    exit 1
}

did="installed Debian package chromium"
if ! apt_install; then
    # Missing or outdated package lists look like one of these.
    if grep -Eq 'Unable to locate package|has no installation candidate|is not available|Failed to fetch|404 +Not Found|Some index files failed|Hash Sum mismatch|File has unexpected size' "$log"; then
        echo "--- apt-get update ---" >>"$log"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get update -o DPkg::Lock::Timeout=600 </dev/null >>"$log" 2>&1 \
            || fail "apt-get update failed"
        echo "--- retry install ---" >>"$log"
        apt_install || fail "apt-get install chromium failed even after apt-get update"
        did="ran apt-get update (package lists were missing/outdated) and installed Debian package chromium"
    else
        fail "apt-get install chromium failed"
    fi
fi

have_chromium || fail "chromium installed but $CHROMIUM does not run"

echo "install-chromium: $did ($("$CHROMIUM" --version 2>/dev/null | head -n 1)) in $((SECONDS - start))s"
