#!/usr/bin/env bash
# What stations ask of one backend: STATIONS stations (vagtctl, each with its own database) on
# one vagt-sim serving CITIZENS citizens over 30 days. Each station first syncs the whole
# cohort; then all of them sync every 10 s (the app's interval) for SECONDS while nothing
# changes, and again for SECONDS while the backend receives the region's readings as they come
# (6.4 a citizen a day, the demo cohort's rate): each period once by the poll alone
# (`--poll-only`, the reference) and once with the backend's Subscriptions. The requests and
# bytes come from the simulator's own count (GET /admin/traffic), per station and per hour.
#   scripts/measure-stations.sh [STATIONS] [CITIZENS] [SECONDS]   (defaults 3, 1000 and 120)
# Prints one JSON document. Uses the debug build unless PROFILE=release.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"
stations="${1:-3}"
citizens="${2:-1000}"
seconds="${3:-120}"
interval=10
profile="${PROFILE:-debug}"
flag=""; [ "$profile" = release ] && flag="--release"
cargo build --quiet $flag -p vagtctl -p vagt-sim
work="$(mktemp -d)"
pids=()
SIM_PID=""
stop_all() {
  for pid in "${pids[@]}" ${SIM_PID:+"$SIM_PID"}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_all; rm -rf "$work"' EXIT
export VAGT_THROWAWAY_KEY=stations-measure HOME="$work/home"
mkdir -p "$HOME"

start_sim "$profile" "$work" --citizens "$citizens" --days 30
backend="$SIM_URL"
admin="${backend%/fhir}/admin"
# The traffic so far, and when it was read (what a period's rates are scaled by).
traffic() { curl -fsS "$admin/traffic" >"$work/$1.json"; date +%s.%N >"$work/$1.at"; }
station() { "$TARGET/$profile/vagtctl" --db "$work/station$1.db" "${@:2}"; }

traffic start
first_sync_started=$(date +%s.%N)
for n in $(seq 1 "$stations"); do
  station "$n" init --json >/dev/null
  station "$n" sync --once --backend "$backend" --json >"$work/first$n.json"
done
first_sync_ended=$(date +%s.%N)
traffic synced

# Every station syncing on its interval, for SECONDS; with READINGS_EVERY_INTERVAL > 0 the
# backend receives that many readings each interval meanwhile.
run_period() {
  local name="$1" readings="$2" loops=() flags=()
  # The reference polls only; the other listens to the backend's Subscriptions.
  [[ "$name" == *polling ]] && flags=(--poll-only)
  traffic "$name-start"
  for n in $(seq 1 "$stations"); do
    # The binary itself in the background (not the function's subshell), so $! is the process
    # that the end of the period stops.
    "$TARGET/$profile/vagtctl" --db "$work/station$n.db" sync --interval "$interval" \
      --backend "$backend" "${flags[@]}" >/dev/null 2>&1 &
    loops+=($!)
    pids+=($!)
  done
  local ends=$(( $(date +%s) + seconds ))
  while [ "$(date +%s)" -lt "$ends" ]; do
    if [ "$readings" -gt 0 ]; then
      curl -fsS -X POST "$admin/advance" -H 'content-type: application/json' \
        -d "{\"new_readings\": $readings}" >/dev/null
    fi
    sleep "$interval"
  done
  for pid in "${loops[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${loops[@]}"; do wait "$pid" 2>/dev/null || true; done
  traffic "$name-end"
}
run_period idle_polling 0
run_period idle_subscribed 0
# The region's readings as they come: 6.4 a citizen a day, at least one each interval.
readings=$(python3 -c "import math; print(max(1, math.ceil($citizens * 6.4 * $interval / 86400)))")
run_period changing_polling "$readings"
run_period changing_subscribed "$readings"

WORK="$work" STATIONS="$stations" CITIZENS="$citizens" SECONDS_MEASURED="$seconds" \
  INTERVAL="$interval" READINGS="$readings" \
  FIRST_SYNC_SECONDS=$(python3 -c "print($first_sync_ended - $first_sync_started)") python3 - <<'PY'
import json, os
work = os.environ["WORK"]
stations = int(os.environ["STATIONS"])
def load(name):
    return json.load(open(f"{work}/{name}.json"))
def at(name):
    return float(open(f"{work}/{name}.at").read())
def delta(a, b):
    keys = ("requests", "request_bytes", "response_bytes")
    total = {k: b["total"][k] - a["total"][k] for k in keys}
    kinds = {}
    for kind, counts in b["by_kind"].items():
        before = a["by_kind"].get(kind, {k: 0 for k in keys})
        d = {k: counts[k] - before[k] for k in keys}
        if d["requests"]:
            kinds[kind] = d
    return total, kinds
def per_station_hour(total, measured_seconds):
    scale = 3600 / measured_seconds / stations
    return {k: round(v * scale) for k, v in total.items()}
first, first_kinds = delta(load("start"), load("synced"))
report = {
    "stations": stations,
    "citizens": int(os.environ["CITIZENS"]),
    "sync_interval_seconds": int(os.environ["INTERVAL"]),
    "seconds_asked_per_period": float(os.environ["SECONDS_MEASURED"]),
    "first_sync": {
        "per_station": {k: round(v / stations) for k, v in first.items()},
        "seconds_all_stations": round(float(os.environ["FIRST_SYNC_SECONDS"]), 1),
    },
}
changing = int(os.environ["READINGS"])
for name, readings in (("idle_polling", 0), ("idle_subscribed", 0),
                       ("changing_polling", changing), ("changing_subscribed", changing)):
    total, kinds = delta(load(f"{name}-start"), load(f"{name}-end"))
    measured_seconds = at(f"{name}-end") - at(f"{name}-start")
    report[name] = {
        "new_readings_per_interval": readings,
        "seconds": round(measured_seconds, 1),
        "measured": total,
        "per_station_per_hour": per_station_hour(total, measured_seconds),
        "by_kind": kinds,
    }
print(json.dumps(report, indent=2))
PY
