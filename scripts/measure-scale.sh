#!/usr/bin/env bash
# The app with a region loaded (issue 15): cold start to a painted worklist, resident memory of
# the app and its WebKit processes, and the frames of the worklist scrolled through and jumped
# about at 1366x768 and 1920x1080, under Xvfb through tauri-driver; screenshots land in
# e2e-artifacts/. The demo database is made by vagtctl (release build, it is big).
#   scripts/measure-scale.sh [CITIZENS] [DAYS]      (defaults 10000 and 30)
# Prints one JSON document. The app is the debug build unless PROFILE=release. With
# FIRST_SYNC=1 the region comes as a station's does: the app starts on an empty database with
# vagt-sim serving the region as its backend, and the worklist is painted once its first sync
# brought every citizen (the figures then include what the sync left behind).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"
citizens="${1:-10000}"
days="${2:-30}"
profile="${PROFILE:-debug}"
flag=""; [ "$profile" = release ] && flag="--release"
ensure_tauri_driver
cargo build --quiet --release -p vagtctl
cargo build --quiet $flag -p vagt
[ "${FIRST_SYNC:-0}" = 1 ] && cargo build --quiet --release -p vagt-sim
work="$(mktemp -d)"
SIM_PID=""
trap 'kill "${SIM_PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/region.db"
export VAGT_THROWAWAY_KEY=scale-measure HOME="$work/home"
mkdir -p "$HOME"
app_args="[\"--db\",\"$db\"]"
if [ "${FIRST_SYNC:-0}" = 1 ]; then
  say "vagt-sim serving $citizens citizens over $days days; the app's first sync brings them"
  SIM_START_SECONDS="${SIM_START_SECONDS:-600}" start_sim release "$work" \
    --citizens "$citizens" --days "$days"
  "$TARGET/release/vagtctl" --db "$db" init --json >/dev/null
  app_args="[\"--db\",\"$db\",\"--backend\",\"$SIM_URL\"]"
else
  say "a demo region of $citizens citizens over $days days"
  "$TARGET/release/vagtctl" --db "$db" demo --citizens "$citizens" --days "$days" --json >/dev/null
fi
mkdir -p "$REPO/e2e-artifacts"
say "the app ($profile build) under Xvfb"
export ARTIFACTS_DIR="$REPO/e2e-artifacts"
WAIT_FOR_SYNC="${FIRST_SYNC:-0}" VAGT_BIN="$TARGET/$profile/vagt" VAGT_ARGS="$app_args" \
  EXPECTED_CITIZENS="$citizens" \
  with_tauri_driver scale node ui/e2e/scale.mjs
