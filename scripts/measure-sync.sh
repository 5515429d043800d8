#!/usr/bin/env bash
# A whole first sync from a local backend (issue 15): vagt-sim serving CITIZENS citizens over
# DAYS days, `vagtctl sync --once` into a new encrypted database, run again at once while a run
# is cut short (at most 5,000 pages of a type a run) until one completes, its wall time and the CPU
# time of each side (the station and the backend); as the reference, in the same run, the same
# number of readings through the sync's store path alone (`vagtctl bench ingest`: parsed,
# mapped and stored from pages in memory, no HTTP).
#   scripts/measure-sync.sh [CITIZENS] [DAYS]      (defaults 500 and 120)
# SIM_START_SECONDS (here 600) bounds the backend's start: 10,000 citizens over 100 days take
# about a minute, over 490 days (30 million readings) five, and the backend then holds 13 GB.
# Prints one JSON document. Uses the release build (a debug sync is another measure).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"
citizens="${1:-500}"
days="${2:-120}"
ensure_apt python3
cargo build --quiet --release -p vagtctl -p vagt-sim
work="$(mktemp -d)"
SIM_PID=""
trap 'kill "${SIM_PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export VAGT_THROWAWAY_KEY=sync-measure HOME="$work/home"
mkdir -p "$HOME"
SIM_START_SECONDS="${SIM_START_SECONDS:-600}" start_sim release "$work" --citizens "$citizens" --days "$days"
"$TARGET/release/vagtctl" --db "$work/station.db" init --json >/dev/null
# The sync timed, with its CPU time and the backend's over the same span.
SIM_PID="$SIM_PID" VAGTCTL="$TARGET/release/vagtctl" DB="$work/station.db" BACKEND="$SIM_URL" \
  python3 - >"$work/sync.json" <<'PY'
import json, os, resource, subprocess, time
hz = os.sysconf("SC_CLK_TCK")
def sim_cpu():
    fields = open(f"/proc/{os.environ['SIM_PID']}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / hz
before, started = sim_cpu(), time.monotonic()
# A run pulls at most 5,000 pages of a type and stops after 10 minutes (`SyncConfig`), and says
# so as its error; the sync loop starts the next at once, as this does, until one completes.
runs, cut_short = 0, {"page_limit", "run_budget_exceeded"}
while True:
    run = subprocess.run([os.environ["VAGTCTL"], "--db", os.environ["DB"], "sync", "--once",
                          "--backend", os.environ["BACKEND"], "--json"],
                         capture_output=True, text=True)
    runs += 1
    try:
        answer = json.loads(run.stdout)
    except ValueError:
        raise SystemExit(f"the sync answered no JSON ({run.returncode}): {run.stderr[-2000:]}")
    if run.returncode == 0:
        break
    code = answer.get("error", {}).get("code")
    if code not in cut_short:
        raise SystemExit(f"the sync failed ({code}): {run.stdout[-2000:]}")
    if runs == 50:
        raise SystemExit("50 runs, each cut short: the sync does not finish")
wall = time.monotonic() - started
used = resource.getrusage(resource.RUSAGE_CHILDREN)
# A run cut short reports an error, not what it pulled: resources are counted for one run only.
pulled = answer["pulled"] if runs == 1 else None
def sim_peak_kib():
    for line in open(f"/proc/{os.environ['SIM_PID']}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
print(json.dumps({"report": {"pulled": pulled, "runs": runs}, "wall": wall,
                  "backend_cpu": sim_cpu() - before, "backend_max_rss_kib": sim_peak_kib(),
                  "station_cpu": used.ru_utime + used.ru_stime,
                  "station_max_rss_kib": used.ru_maxrss}))
PY
# The backend's memory back before the reference (a region's cohort holds gigabytes).
kill "$SIM_PID" 2>/dev/null || true
wait "$SIM_PID" 2>/dev/null || true
readings=$("$TARGET/release/vagtctl" --db "$work/station.db" status --json \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["readings"])')
"$TARGET/release/vagtctl" bench ingest --readings "$readings" --citizens "$citizens" --json \
  >"$work/ingest.json"

CITIZENS="$citizens" DAYS="$days" READINGS="$readings" python3 - "$work/sync.json" \
  "$work/ingest.json" <<'PY'
import json, os, sys
sync, ingest = (json.load(open(p)) for p in sys.argv[1:3])
readings, wall = int(os.environ["READINGS"]), sync["wall"]
reference = ingest["pipeline_readings_per_second"]
print(json.dumps({
    "citizens": int(os.environ["CITIZENS"]), "days": int(os.environ["DAYS"]),
    "resources": sync["report"]["pulled"], "runs": sync["report"]["runs"], "readings": readings,
    "wall_seconds": round(wall, 1),
    "resources_per_second": sync["report"]["pulled"] and round(sync["report"]["pulled"] / wall),
    "readings_per_second": round(readings / wall),
    "station_cpu_seconds": round(sync["station_cpu"], 1),
    # The largest of the runs' peaks: a bulk load's end sorts the index in memory.
    "station_max_rss_mib": round(sync["station_max_rss_kib"] / 1024),
    "backend_cpu_seconds": round(sync["backend_cpu"], 1),
    # Since it started: the cohort's load included.
    "backend_max_rss_mib": round(sync["backend_max_rss_kib"] / 1024),
    "reference_store_path_readings_per_second": round(reference),
    "reference_bulk_load": ingest["bulk_load"],
    "reference_index_seconds": round(ingest["pipeline_index_seconds"], 1),
    "ratio_to_reference": round(readings / wall / reference, 2),
    "thirty_million_minutes": round(30e6 / (readings / wall) / 60, 1),
}, indent=2))
PY
