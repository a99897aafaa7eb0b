#!/usr/bin/env bash
# install-pdf-libs.sh - make sure the Debian libraries and fonts WeasyPrint needs are here.
#
# The report's PDF (soundingboard.analyse.documents.pdf) is made by WeasyPrint, which lays
# text out with Pango and HarfBuzz, finds fonts through fontconfig, and loads them when the
# PDF is made (they do not come with it from PyPI). CI and a fresh machine have only what the
# project's scripts install, so `make demo`, `make test` and the benchmarks run this script,
# which installs each of these Debian packages that is missing (what they depend on, such as
# GLib, HarfBuzz and fontconfig, comes with them):
#
#   libpango-1.0-0 libpangoft2-1.0-0   Pango, and its fontconfig/FreeType side
#   libharfbuzz-subset0                only the characters used are embedded in the PDF
#   fonts-dejavu-core                  DejaVu Sans, the print stylesheet's font
#
# - Idempotent: when every package is installed it does nothing.
# - The install itself is scripts/apt-install.sh's: non-interactive, quiet unless
#   it fails, `apt-get update` only when the package lists are missing or outdated.
# - Prints exactly one line saying what it did.
#
# Usage: bash scripts/install-pdf-libs.sh
set -euo pipefail

PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)

installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-pdf-libs: ${PACKAGES[*]} already installed; nothing to do"
    exit 0
fi

start=$SECONDS
did_file="$(mktemp)"
trap 'rm -f "$did_file"' EXIT
done_list=()
for package in "${missing[@]}"; do
    APT_INSTALL_DID="$did_file" bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" \
        install-pdf-libs "$package"
    installed "$package" || { echo "install-pdf-libs: $package did not install" >&2; exit 1; }
    done_list+=("$(cat "$did_file")")
done

echo "install-pdf-libs: $(IFS=';'; echo "${done_list[*]}" | sed 's/;/; /g') in $((SECONDS - start))s"
