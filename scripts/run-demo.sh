#!/usr/bin/env bash
# Starts Vagt on the built-in demo backend: vagt-sim serves the synthetic cohort over FHIR R4
# and keeps producing readings; a fresh demo database is synced from it (progress on the
# terminal), then the app opens and keeps syncing, so new readings appear as they arrive.
# Installs what is missing. The database key goes to the OS keyring; on a machine without one
# (no desktop session) a throwaway key is used for this demo database, and the script says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"

ensure_apt $BUILD_PACKAGES
ensure_toolchains
ensure_ui_packages
build_ui
say "building Vagt (the first build takes several minutes)"
cargo build --quiet -p vagt -p vagtctl -p vagt-sim

demo_dir="${VAGT_DEMO_DIR:-$REPO/.vagt-run}"
mkdir -p "$demo_dir"
db="$demo_dir/demo.db"
rm -f "$db" "$db-wal" "$db-shm"

say "starting the demo backend (vagt-sim)"
SIM_PID=""
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null || true' EXIT
start_sim debug "$demo_dir" --live
backend="$SIM_URL"
say "demo backend at $backend"

vagtctl() { "$TARGET"/debug/vagtctl --db "$db" "$@"; }
if ! out=$(vagtctl init --json 2>/dev/null); then
  case "$out" in
    *keyring_unavailable*|*keyring_refused*)
      say "no OS keyring reachable: using a throwaway key for this demo database only"
      export VAGT_THROWAWAY_KEY="vagt-demo"
      rm -f "$db" "$db-wal" "$db-shm"
      vagtctl init --json >/dev/null
      ;;
    *) die "could not create the demo database: $out" ;;
  esac
fi
vagtctl backend set "$backend" --no-token >/dev/null
say "first sync from the demo backend"
vagtctl sync --once
say "starting Vagt on $db (it syncs every 10 s; close the window to stop)"
"$TARGET"/debug/vagt --db "$db"
