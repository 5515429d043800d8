#!/usr/bin/env bash
# From a reading posted to the backend to its alarm at a station (issue 15): starts vagt-sim
# with CITIZENS citizens, then `vagtctl bench alarm-latency` posts low oxygen saturations for its
# COPD citizens and times each until a station running the app's background sync tells its
# window of the alarm, with the backend's Subscriptions and, as the reference, by the poll alone.
#
#   scripts/measure-alarm-latency.sh [CITIZENS] [RUNS]      (PROFILE=release for a release build)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"
citizens="${1:-300}"
runs="${2:-20}"
profile="${PROFILE:-debug}"
flag=""; [ "$profile" = release ] && flag="--release"
cargo build --quiet $flag -p vagtctl -p vagt-sim
work="$(mktemp -d)"
SIM_PID=""
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$work"' EXIT
export VAGT_THROWAWAY_KEY=alarm-latency HOME="$work/home"
mkdir -p "$HOME"

start_sim "$profile" "$work" --citizens "$citizens" --days 14
backend="$SIM_URL"
"$TARGET/$profile/vagtctl" bench alarm-latency --backend "$backend" --runs "$runs" \
  ${JSON:+--json} 2>"$work/bench.log" || { cat "$work/bench.log" >&2; exit 1; }
