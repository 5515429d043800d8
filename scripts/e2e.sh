#!/usr/bin/env bash
# The end-to-end tests, the real app binary started by tauri-driver in a virtual X display and
# driven over WebDriver:
# 1. smoke: a demo database made by vagtctl with its key in the keyring;
#    trend: on the same database, the worklist's sparklines and a citizen's trend plot (keyboard
#    cursor, both screen sizes);
#    call: on the same database, a call logged with the keyboard only from a citizen's page, then
#    in the page's call list and the store (read back with vagtctl);
#    dispatch: on the same database, the MAS nurse sent with the keys and the dispatch moved on
#    from the board to a hospital admission (ECM6 and its alarm; read back with vagtctl);
# 2. alarm: the app syncing with vagt-sim; a red reading posted to the backend must show in the
#    alarm panel and as a desktop notification (dunst draws it, dbus-monitor records it);
#    visit: the app syncing with vagt-sim, as the MAS laptop: a visit recorded with the keys,
#    a drug from the citizen's medicine box (the backend's), on the page and on the backend;
#    person: an unknown caller's call linked to a citizen, and MAS sent to a person outside the
#    clinic, who becomes a Patient on the backend;
#    handover: the demo shift's handover as a PDF rendered to PNG; the handover opened with H,
#    a note written through vagtctl shown in it, the first citizen signed for with K (read back
#    with vagtctl).
# Run by test.sh inside a test keyring session; screenshots land in e2e-artifacts/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"

cargo build --quiet -p vagt -p vagtctl -p vagt-sim
work="$(mktemp -d)"
SIM_PID=""
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$work"' EXIT
db="$work/e2e.db"
# Enough citizens that the worklist scrolls under the alarm panel on both screens.
citizens=300
"$TARGET"/debug/vagtctl --db "$db" init --json >/dev/null
"$TARGET"/debug/vagtctl --db "$db" demo --citizens "$citizens" --days 14 --json >/dev/null

mkdir -p "$REPO/e2e-artifacts"
export ARTIFACTS_DIR="$REPO/e2e-artifacts"

# Runs ui/e2e/NAME.mjs against the app under a fresh Xvfb display, with tauri-driver, a
# notification daemon (dunst) and a recorder of the notifications sent on the session bus.
run_e2e() {
  NOTIFY_LOG="$work/notifications-$1.log" with_tauri_driver "$1" node "ui/e2e/$1.mjs"
}

# E2E_ONLY=smoke|trend|call|dispatch|alarm|visit|person|handover runs one of them (while working on it); CI runs all.
want() { [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = "$1" ]; }

# --- 1. the worklist of a demo database ---
news2="$("$TARGET"/debug/vagtctl --db "$db" --json citizens | node -e '
  let input = ""; process.stdin.on("data", (d) => (input += d)).on("end", () =>
    console.log(JSON.parse(input).filter((c) => c.news2 !== null).length));')"
[ "$news2" -gt 0 ] || { echo "the demo cohort has no citizen with a full set of vitals" >&2; exit 1; }
want smoke && VAGT_BIN="$TARGET/debug/vagt" VAGT_ARGS="[\"--db\",\"$db\"]" EXPECTED_CITIZENS="$citizens" \
  EXPECTED_NEWS2="$news2" VAGTCTL="[\"$TARGET/debug/vagtctl\",\"--db\",\"$db\"]" run_e2e smoke

# --- 1b. the sparklines and a citizen's trend plot, on the same database ---
want trend && VAGT_BIN="$TARGET/debug/vagt" VAGT_ARGS="[\"--db\",\"$db\"]" run_e2e trend

# --- 1c. a call logged by the keyboard, on the same database ---
want call && VAGT_BIN="$TARGET/debug/vagt" VAGT_ARGS="[\"--db\",\"$db\"]" \
  VAGTCTL="[\"$TARGET/debug/vagtctl\",\"--db\",\"$db\"]" run_e2e call

# --- 1d. a MAS dispatch sent and carried to a hospital admission by the keyboard ---
want dispatch && VAGT_BIN="$TARGET/debug/vagt" VAGT_ARGS="[\"--db\",\"$db\"]" \
  VAGTCTL="[\"$TARGET/debug/vagtctl\",\"--db\",\"$db\"]" run_e2e dispatch
# --- 1e. the handover of the demo shift as a PDF, its pages rendered to PNG to be looked at ---
if want handover; then
  rm -f "$ARTIFACTS_DIR"/handover-pdf-*.png
  "$TARGET"/debug/vagtctl --db "$db" handover --out "$ARTIFACTS_DIR/handover.pdf" --json >/dev/null
  pdftoppm -r 80 -png "$ARTIFACTS_DIR/handover.pdf" "$ARTIFACTS_DIR/handover-pdf"
  pages="$(find "$ARTIFACTS_DIR" -name 'handover-pdf-*.png' | wc -l)"
  [ "$pages" -gt 0 ] || { echo "the handover PDF rendered to no page" >&2; exit 1; }
  echo "handover PDF: $pages page(s) rendered to e2e-artifacts/handover-pdf-*.png"
fi
want alarm || want visit || want person || want handover || exit 0

# --- 2. a red reading arriving through sync raises an alarm without a click ---
start_sim debug "$work" --citizens 6 --days 10
fhir="$SIM_URL"
sync_db="$work/sync.db"
"$TARGET"/debug/vagtctl --db "$sync_db" init --json >/dev/null
"$TARGET"/debug/vagtctl --db "$sync_db" backend set "$fhir" --no-token >/dev/null
"$TARGET"/debug/vagtctl --db "$sync_db" sync --once 2>/dev/null
# High alarms escalate after one minute here, so the test sees an escalation without waiting five.
"$TARGET"/debug/vagtctl --db "$sync_db" --as e2e-operator escalation set high --after 1 >/dev/null
# A citizen at ECM1 with no open alarm, and their Patient id on the backend.
read -r patient_id citizen_name < <(
  "$TARGET"/debug/vagtctl --db "$sync_db" --json citizens | FHIR="$fhir" node -e '
    let input = ""; process.stdin.on("data", (d) => (input += d)).on("end", async () => {
      const calm = JSON.parse(input).find((c) => c.suggested_level === 1 && c.open_alarms === 0);
      if (!calm) { console.error("no calm citizen in the cohort"); process.exit(1); }
      const bundle = await (await fetch(`${process.env.FHIR}/Patient?identifier=${calm.id}`)).json();
      console.log(`${bundle.entry[0].resource.id} ${calm.name}`);
    });')
if want alarm; then
  # A poll every two minutes: the reading can only come in time through the Subscription.
  VAGT_BIN="$TARGET/debug/vagt" \
    VAGT_ARGS="[\"--db\",\"$sync_db\",\"--sync-interval\",\"120\",\"--as\",\"sygeplejerske-mette\"]" \
    FHIR_BASE="$fhir" PATIENT_ID="$patient_id" CITIZEN_NAME="$citizen_name" \
    VAGTCTL="[\"$TARGET/debug/vagtctl\",\"--db\",\"$sync_db\"]" run_e2e alarm
  # The app's notification for the new alarm went over the session bus to the daemon.
  grep -q "string \"$citizen_name: " "$work/notifications-alarm.log" || {
    echo "no desktop notification for $citizen_name reached the session bus" >&2
    exit 1
  }
  echo "desktop notification sent: $(grep -B1 -m1 "string \"$citizen_name: " "$work/notifications-alarm.log" | tr -s " " | tr "\n" " ")"
fi

# --- 2b. a MAS visit recorded on the laptop reaches the backend ---
want visit && VAGT_BIN="$TARGET/debug/vagt" \
  VAGT_ARGS="[\"--db\",\"$sync_db\",\"--sync-interval\",\"2\",\"--as\",\"mas-ole\"]" FHIR_BASE="$fhir" \
  VAGTCTL="[\"$TARGET/debug/vagtctl\",\"--db\",\"$sync_db\"]" run_e2e visit

# --- 2c. an unknown caller linked, and a person outside the clinic sent MAS ---
want person && VAGT_BIN="$TARGET/debug/vagt" \
  VAGT_ARGS="[\"--db\",\"$sync_db\",\"--sync-interval\",\"2\",\"--as\",\"sygeplejerske-mette\"]" FHIR_BASE="$fhir" \
  VAGTCTL="[\"$TARGET/debug/vagtctl\",\"--db\",\"$sync_db\"]" run_e2e person

# --- 2d. the shift handover: a night nurse's note shown, the first citizen signed for with K ---
want handover && VAGT_BIN="$TARGET/debug/vagt" \
  VAGT_ARGS="[\"--db\",\"$sync_db\",\"--sync-interval\",\"2\",\"--as\",\"sygeplejerske-mette\"]" \
  VAGTCTL="[\"$TARGET/debug/vagtctl\",\"--db\",\"$sync_db\"]" run_e2e handover
exit 0

