#!/usr/bin/env bash
# The end-to-end smoke test: a demo database made by vagtctl with its key in the keyring, the
# real app binary started by tauri-driver in a virtual X display, driven over WebDriver.
# Run by test.sh inside a test keyring session; screenshots land in e2e-artifacts/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"

cargo build --quiet -p vagt -p vagtctl
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="$work/e2e.db"
citizens=12
"$TARGET"/debug/vagtctl --db "$db" init --json >/dev/null
"$TARGET"/debug/vagtctl --db "$db" demo --citizens "$citizens" --days 30 --json >/dev/null

mkdir -p "$REPO/e2e-artifacts"
export VAGT_BIN="$TARGET/debug/vagt" VAGT_ARGS="[\"--db\",\"$db\"]" \
  EXPECTED_CITIZENS="$citizens" ARTIFACTS_DIR="$REPO/e2e-artifacts" TOOLS
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  "$TOOLS/bin/tauri-driver" --port 4444 >"$ARTIFACTS_DIR/tauri-driver.log" 2>&1 &
  driver=$!
  trap "kill $driver 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do
    curl -fs http://127.0.0.1:4444/status 2>/dev/null | grep -q "\"ready\":true" && break
    sleep 0.2
  done
  node ui/e2e/smoke.mjs
'
