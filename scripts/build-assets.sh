#!/usr/bin/env bash
# Build soundingboard's front-end assets from the pinned npm devDependencies.
#
#   scripts/build-assets.sh        (run from anywhere; works relative to repo root)
#
# * installs node_modules with `npm ci` when missing or older than package-lock.json
# * compiles src/soundingboard/assets/app.scss -> src/soundingboard/static/soundingboard/app.css
#   (the public pages) and workspace.scss -> workspace.css (the analyst workspace)
# * copies govuk-frontend's built JS into src/soundingboard/static/soundingboard/govuk/
#
# Deliberately NOT copied: GOV.UK fonts (GDS Transport), the crown/crest, favicons,
# app icons, the web manifest and the Open Graph image. soundingboard is not a
# GOV.UK service and must not ship GOV.UK branding.
set -euo pipefail

die() { printf 'build-assets: error: %s\n' "$*" >&2; exit 1; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

command -v node >/dev/null 2>&1 || die "node is not installed (Node.js >= 20 is required to build front-end assets)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (it ships with Node.js >= 20; install Node.js and retry)"
[ -f package-lock.json ] || die "package-lock.json is missing in $repo_root"

# (Re)install when node_modules is missing or older than the lockfile. npm ci
# writes node_modules/.package-lock.json, which we use as the install stamp.
stamp="node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ] \
   || [ ! -f node_modules/govuk-frontend/package.json ] || [ ! -f node_modules/sass/package.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null \
    || die "npm ci failed"
  touch "$stamp"
fi

gf_dist="node_modules/govuk-frontend/dist/govuk"
gf_version="$(node -p 'require("./node_modules/govuk-frontend/package.json").version')"
sass_version="$(node -p 'require("./node_modules/sass/package.json").version')"

assets_dir="src/soundingboard/assets"
static_dir="src/soundingboard/static/soundingboard"
govuk_out="$static_dir/govuk"
mkdir -p "$static_dir"

# app.css: the public pages; workspace.css: the analyst workspace (app.css and its own).
build_css() {
  local name="$1" src_scss="$assets_dir/$1.scss" out_css="$static_dir/$1.css"
  [ -f "$src_scss" ] || die "$src_scss not found"
  # Compile to a temp file first so a failed build never leaves a half-written stylesheet.
  tmp_css="$(mktemp "$static_dir/.$name.css.XXXXXX")"
  trap 'rm -f "$tmp_css"' EXIT
  node_modules/.bin/sass \
    --pkg-importer=node \
    --load-path=node_modules \
    --load-path="$assets_dir" \
    --style=compressed \
    --no-source-map \
    --quiet-deps \
    "$src_scss" "$tmp_css" \
    || die "sass compilation of $src_scss failed"

  # Belt and braces: refuse to ship GOV.UK branding or the GDS Transport font.
  if grep -Eiq 'gds transport|@font-face|crown|crest|govuk-logo|\.woff' "$tmp_css"; then
    die "compiled CSS references GOV.UK fonts or branding; refusing to write $out_css"
  fi
  chmod 644 "$tmp_css"
  mv -f "$tmp_css" "$out_css"
  trap - EXIT
}
build_css app
build_css workspace
out_css="$static_dir/app.css"

# Copy govuk-frontend's JavaScript (an ES module) and its source map (the .js
# references the map; Django's ManifestStaticFilesStorage fails if it is absent).
# Start from a clean directory so nothing stale (or branded) lingers.
rm -rf "$govuk_out"
mkdir -p "$govuk_out"
cp "$gf_dist/govuk-frontend.min.js" "$gf_dist/govuk-frontend.min.js.map" "$govuk_out/"
printf 'govuk-frontend %s (MIT). Built JS only; no GOV.UK fonts, images or branding.\n' \
  "$gf_version" > "$govuk_out/VERSION.txt"

css_bytes="$(wc -c < "$out_css" | tr -d ' ')"
css_gz="$(gzip -9c "$out_css" | wc -c | tr -d ' ')"
printf 'build-assets: %s (%s B, %s B gzip), workspace.css + %s/govuk-frontend.min.js [govuk-frontend %s, sass %s]\n' \
  "$out_css" "$css_bytes" "$css_gz" "$govuk_out" "$gf_version" "$sass_version"
