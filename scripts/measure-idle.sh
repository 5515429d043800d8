#!/usr/bin/env bash
# What the app costs while nothing changes: the window (the Rust process and WebKit's web
# process) on a demo database of N citizens, no backend, under Xvfb. It waits for the worklist
# to be shown and settle, then samples CPU time and resident memory for a while.
#   scripts/measure-idle.sh [CITIZENS] [SECONDS]     (defaults 1000 and 60)
# Prints one JSON document. Uses the debug build unless PROFILE=release. CALM=1 acknowledges
# every alarm first: a station where nothing flashes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"
citizens="${1:-1000}"
seconds="${2:-60}"
profile="${PROFILE:-debug}"
flag=""; [ "$profile" = release ] && flag="--release"
cargo build --quiet $flag -p vagt -p vagtctl
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="$work/idle.db"
export VAGT_THROWAWAY_KEY=idle-measure HOME="$work/home"
mkdir -p "$HOME"
"$TARGET/$profile/vagtctl" --db "$db" demo --citizens "$citizens" --days 30 --json >/dev/null
if [ "${CALM:-0}" = 1 ]; then
  "$TARGET/$profile/vagtctl" --db "$db" --json alarms --open \
    | python3 -c 'import json, sys; print("\n".join(a["id"] for a in json.load(sys.stdin)))' \
    | while read -r alarm; do "$TARGET/$profile/vagtctl" --db "$db" --as measure ack "$alarm" >/dev/null; done
fi
WORK="$work" DB="$db" BIN="$TARGET/$profile/vagt" SECONDS_TO_SAMPLE="$seconds" CITIZENS="$citizens" \
  xvfb-run -a -s "-screen 0 1920x1080x24" python3 - <<'PY'
import json, os, subprocess, time
clk = os.sysconf("SC_CLK_TCK")
page = os.sysconf("SC_PAGE_SIZE")
app = subprocess.Popen([os.environ["BIN"], "--db", os.environ["DB"]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def family(root):
    """The app and every process below it (WebKit's web and network processes)."""
    pids, found = {root}, True
    while found:
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in pids:
                continue
            try:
                ppid = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid in pids:
                pids.add(int(entry)); found = True
    return pids
def sample(pids):
    out = {}
    for pid in pids:
        try:
            stat = open(f"/proc/{pid}/stat").read()
            name = stat.split("(", 1)[1].rsplit(")", 1)[0]
            fields = stat.rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / clk
            rss = int(open(f"/proc/{pid}/statm").read().split()[1]) * page
            out[pid] = (name, cpu, rss)
        except OSError:
            pass
    return out
try:
    time.sleep(25)  # start, first read of the worklist, first paint
    pids = family(app.pid)
    before = sample(pids)
    time.sleep(int(os.environ["SECONDS_TO_SAMPLE"]))
    after = sample(pids)
    seconds = float(os.environ["SECONDS_TO_SAMPLE"])
    rows = []
    for pid, (name, cpu, rss) in after.items():
        if pid in before:
            rows.append({"process": name, "pid": pid,
                         "cpu_percent_of_one_core": round(100 * (cpu - before[pid][1]) / seconds, 2),
                         "resident_mib": round(rss / 2**20, 1)})
    print(json.dumps({"citizens": int(os.environ["CITIZENS"]), "seconds": seconds,
                      "processes": rows,
                      "total_cpu_percent_of_one_core": round(sum(r["cpu_percent_of_one_core"] for r in rows), 2),
                      "total_resident_mib": round(sum(r["resident_mib"] for r in rows), 1)}, indent=2))
finally:
    app.terminate()
    try:
        app.wait(10)
    except subprocess.TimeoutExpired:
        app.kill()
PY
