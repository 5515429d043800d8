#!/usr/bin/env bash
# A Debian package of the app (target/release/bundle/deb/*.deb), from a clean clone: installs
# what is missing, builds the UI and the release binary through the Tauri CLI (kept in
# tools/tauri-cli, apart from ui/, so that the UI's own `npm ci` never depends on it).
# The AppImage bundler downloads its tools from the internet; its config is kept for machines
# that can (`tauri build --bundles appimage`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"

ensure_apt $BUILD_PACKAGES
ensure_toolchains
ensure_ui_packages
cli="$REPO/tools/tauri-cli"
if [ ! -f "$cli/node_modules/.package-lock.json" ] || [ "$cli/package-lock.json" -nt "$cli/node_modules/.package-lock.json" ]; then
  say "installing the Tauri CLI (npm ci in tools/tauri-cli)"
  (cd "$cli" && npm ci --no-audit --no-fund --loglevel=error)
fi
say "building the release app and its .deb"
"$cli/node_modules/.bin/tauri" build --bundles deb "$@"
ls -l "$TARGET"/release/bundle/deb/*.deb
