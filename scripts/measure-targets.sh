#!/usr/bin/env bash
# Every target of issue 15 in one table, `vagtctl bench targets`: first the app in its window
# under Xvfb (scripts/measure-scale.sh: memory, cold start to a painted worklist, scrolling;
# opened on a loaded database, and after its first sync),
# then vagt-sim serving the region, and the bench: the station's own figures on a region made
# by the bulk path, a whole first sync from the backend, an incremental sync over HTTP and a
# reading's way to its alarm, each beside its reference from the same run, with a verdict.
#   scripts/measure-targets.sh [CITIZENS] [DAYS]      (defaults 10000 and 30)
# JSON=1 prints the bench's JSON instead of its table. Release builds. SIM_START_SECONDS (here
# 600) bounds the backend's start: a region over 490 days takes it about five minutes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"
citizens="${1:-10000}"
days="${2:-30}"
cargo build --quiet --release -p vagtctl -p vagt-sim
work="$(mktemp -d)"
SIM_PID=""
trap 'kill "${SIM_PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
# Before the bench's backend starts, whose memory would take from the app's (the second run's
# vagt-sim serves only that run): the app opened on a loaded database (cold start, scrolling),
# then on an empty one whose first sync brings the region (what a station holds after it).
# The app's figures are kept in e2e-artifacts/ beside its screenshots, to be read after.
mkdir -p "$REPO/e2e-artifacts"
app="$REPO/e2e-artifacts/targets-app-$citizens-$days.json"
synced="$REPO/e2e-artifacts/targets-app-synced-$citizens-$days.json"
# Written beside and moved into place when whole: a failed run keeps the last run's.
say "the app in its window (scripts/measure-scale.sh $citizens $days)"
PROFILE=release scripts/measure-scale.sh "$citizens" "$days" >"$work/app.json"
mv "$work/app.json" "$app"
say "the app after its first sync (FIRST_SYNC=1 scripts/measure-scale.sh $citizens $days)"
FIRST_SYNC=1 PROFILE=release scripts/measure-scale.sh "$citizens" "$days" >"$work/app-synced.json"
mv "$work/app-synced.json" "$synced"
export VAGT_THROWAWAY_KEY=targets HOME="$work/home"
mkdir -p "$HOME"
say "vagt-sim serving $citizens citizens over $days days"
SIM_START_SECONDS="${SIM_START_SECONDS:-600}" start_sim release "$work" \
  --citizens "$citizens" --days "$days"
say "vagtctl bench targets"
json=""; [ "${JSON:-0}" = 1 ] && json="--json"
"$TARGET/release/vagtctl" bench targets --citizens "$citizens" --days "$days" \
  --backend "$SIM_URL" --app "$app" --app "$synced" $json
