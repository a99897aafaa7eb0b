#!/usr/bin/env bash
# apt-install.sh NAME PACKAGE - install one Debian package, non-interactively and quietly.
#
# Shared by install-chromium.sh, install-nginx.sh, install-pdf-libs.sh and
# install-postgres.sh, which decide whether the package is needed. Here:
# - no debconf or conffile prompts, stdin is /dev/null, waits (instead of failing) while
#   another apt or dpkg runs;
# - `apt-get update` runs only when the install failed because the package lists are missing
#   or outdated, then the install is tried once more;
# - apt's own output goes to a temporary log, shown only if something fails;
# - root, or a user with password-less sudo.
# On success it prints nothing and writes what it did to the file named by $APT_INSTALL_DID.
set -euo pipefail

name="$1"      # the calling script's name, for messages
package="$2"

SUDO=()
if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        echo "$name: $package is missing and this is not root (nor password-less sudo)" >&2
        exit 1
    fi
fi

log="$(mktemp "/tmp/$name.XXXXXX.log")"
trap 'rm -f "$log"' EXIT

APT_OPTS=(-y --no-install-recommends
    -o DPkg::Lock::Timeout=600
    -o Dpkg::Options::=--force-confdef
    -o Dpkg::Options::=--force-confold)

install() {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install "${APT_OPTS[@]}" "$package" </dev/null >>"$log" 2>&1
}

fail() {
    echo "$name: $1 (apt log follows)" >&2
    tail -n 40 "$log" >&2
    exit 1
}

did="installed Debian package $package"
if ! install; then
    if grep -Eq 'Unable to locate package|has no installation candidate|is not available|Failed to fetch|404 +Not Found|Some index files failed|Hash Sum mismatch|File has unexpected size' "$log"; then
        echo "--- apt-get update ---" >>"$log"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get update -o DPkg::Lock::Timeout=600 </dev/null >>"$log" 2>&1 \
            || fail "apt-get update failed"
        echo "--- retry install ---" >>"$log"
        install || fail "apt-get install $package failed even after apt-get update"
        did="ran apt-get update (package lists were missing or outdated) and installed Debian package $package"
    else
        fail "apt-get install $package failed"
    fi
fi
echo "$did" >"${APT_INSTALL_DID:-/dev/null}"
