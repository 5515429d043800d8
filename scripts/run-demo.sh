#!/usr/bin/env bash
# Starts Vagt on a fresh demo database (the synthetic cohort), installing what is missing.
# The database key goes to the OS keyring; on a machine without one (no desktop session),
# a throwaway key is used for this demo database and the script says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"

ensure_apt $BUILD_PACKAGES
ensure_toolchains
ensure_ui_packages
build_ui
say "building Vagt (the first build takes several minutes)"
cargo build --quiet -p vagt -p vagtctl

demo_dir="${VAGT_DEMO_DIR:-$REPO/.vagt-run}"
mkdir -p "$demo_dir"
db="$demo_dir/demo.db"
rm -f "$db" "$db-wal" "$db-shm"
if out=$("$TARGET"/debug/vagtctl --db "$db" init --json 2>/dev/null); then
  :
else
  case "$out" in
    *keyring_unavailable*|*keyring_refused*)
      say "no OS keyring reachable: using a throwaway key for this demo database only"
      export VAGT_THROWAWAY_KEY="vagt-demo"
      rm -f "$db" "$db-wal" "$db-shm"
      "$TARGET"/debug/vagtctl --db "$db" init --json >/dev/null
      ;;
    *) die "could not create the demo database: $out" ;;
  esac
fi
"$TARGET"/debug/vagtctl --db "$db" demo
say "starting Vagt on $db"
exec "$TARGET"/debug/vagt --db "$db"
