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
# - The install itself is scripts/apt-install.sh's: non-interactive, quiet unless
#   it fails, `apt-get update` only when the package lists are missing or outdated.
# - Prints exactly one line saying what it did.
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

start=$SECONDS
did_file="$(mktemp)"
trap 'rm -f "$did_file"' EXIT
APT_INSTALL_DID="$did_file" bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" install-chromium chromium
did="$(cat "$did_file")"

have_chromium || { echo "install-chromium: chromium installed but $CHROMIUM does not run" >&2; exit 1; }

echo "install-chromium: $did ($("$CHROMIUM" --version 2>/dev/null | head -n 1)) in $((SECONDS - start))s"
