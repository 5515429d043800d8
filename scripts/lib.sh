# Shared by every script in scripts/ (the demo, the tests, the measurements, packaging): install
# what a fresh Debian/Ubuntu machine lacks, and start what the end-to-end tests need.
# Sourced, not run. Idempotent: a machine that has everything is not touched.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
# Tools built from source for the tests (tauri-driver, cargo-fuzz) are kept outside the
# checkout and its build directory: a fresh clone on the same machine does not build them again.
TOOLS="${VAGT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/vagt/tools}"
export VAGT_TOOLS="$TOOLS"
# Every step says when it began (minutes:seconds since the outermost script started), so a
# log shows where a run's time went.
VAGT_T0="${VAGT_T0:-$(date +%s)}"
export VAGT_T0

say() {
  local t=$(($(date +%s) - VAGT_T0))
  printf '\033[1m==> [%d:%02d] %s\033[0m\n' $((t / 60)) $((t % 60)) "$*" >&2
}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to install system packages: $*"; fi
}

# Build: WebKitGTK 4.1 and friends for Tauri, libssl (SQLCipher's crypto), libdbus (keyring).
BUILD_PACKAGES="libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev"
# Tests: a headless X server, the Secret Service, WebKit's WebDriver, screenshot tools, a PDF
# renderer (pdftoppm: the exported PDFs rendered to PNG to be looked at).
TEST_PACKAGES="xvfb xauth imagemagick webkit2gtk-driver gnome-keyring libsecret-tools dbus-x11 x11-utils xdotool curl dunst poppler-utils"

ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get to install them"
  say "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_toolchains() {
  command -v cargo >/dev/null || die "Rust is not installed: install it with rustup (https://rustup.rs), then run this again"
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || die "cargo fmt and cargo clippy are missing: install the rustfmt and clippy components"
    say "installing rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
  command -v node >/dev/null && command -v npm >/dev/null || ensure_apt nodejs npm
  local major minor
  IFS=. read -r major minor _ < <(node --version | tr -d v)
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    die "Node $(node --version) is too old for the UI build (Vite needs >= 20.19): install a newer Node (e.g. from NodeSource) and run this again"
  fi
}

ensure_ui_packages() {
  local stamp="$REPO/ui/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$REPO/ui/package-lock.json" -nt "$stamp" ]; then
    say "installing UI packages (npm ci)"
    (cd "$REPO/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Medplum's FHIR router in a small Node wrapper: the real, standard FHIR server the sync's
# integration test runs against (it brings its own Node 22 from npm).
ensure_fhir_test_server() {
  local dir="$REPO/tools/fhir-medplum"
  local stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    say "installing the FHIR test server (npm ci in tools/fhir-medplum)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# start_sim PROFILE DIR ARGS...: starts the backend double (target/PROFILE/vagt-sim --port 0
# ARGS) in the background, its output in DIR/sim.out and DIR/sim.log. Sets SIM_PID and SIM_URL
# (its FHIR base); dies with its log if it does not say where it listens. The caller stops it.
# Callers set their EXIT trap (killing "${SIM_PID:-}") before calling it.
start_sim() {
  local profile="$1" dir="$2"; shift 2
  # Emptied first: the child creates it only after the fork, and a kept directory (the demo's)
  # holds the last run's address.
  : >"$dir/sim.out"
  : >"$dir/sim.log"
  "$TARGET/$profile/vagt-sim" --port 0 "$@" >"$dir/sim.out" 2>"$dir/sim.log" &
  SIM_PID=$!
  SIM_URL=""
  # A region's cohort over many days takes minutes to generate (SIM_START_SECONDS).
  for _ in $(seq 1 $((${SIM_START_SECONDS:-60} * 10))); do
    SIM_URL=$(sed -n 's/^vagt-sim listening on //p' "$dir/sim.out" 2>/dev/null || true)
    [ -n "$SIM_URL" ] && return 0
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill "$SIM_PID" 2>/dev/null || true
  die "vagt-sim did not start: $(cat "$dir/sim.log")"
}

build_ui() {
  say "building the UI"
  (cd "$REPO/ui" && npm run --silent build >/dev/null)
}

ensure_tauri_driver() {
  if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
    say "installing tauri-driver (WebDriver for the real app window)"
    cargo install tauri-driver --locked --quiet --root "$TOOLS"
  fi
}

# Runs "$@" under a fresh Xvfb (room for a 1920x1080 window) with tauri-driver ready on port
# 4444, its log in $ARTIFACTS_DIR/tauri-driver-NAME.log:  with_tauri_driver NAME CMD...
# With NOTIFY_LOG set, a notification daemon runs too, and dbus-monitor writes every Notify call
# on the session bus to that file (the alarm e2e checks what the nurse was told).
with_tauri_driver() {
  local name="$1"
  shift
  DRIVER_LOG="$ARTIFACTS_DIR/tauri-driver-$name.log" xvfb-run -a -s "-screen 0 1920x1080x24" bash -c '
    "$VAGT_TOOLS/bin/tauri-driver" --port 4444 >"$DRIVER_LOG" 2>&1 &
    helpers=($!)
    if [ -n "${NOTIFY_LOG:-}" ]; then
      dunst >/dev/null 2>&1 &
      helpers+=($!)
      dbus-monitor --session "interface=org.freedesktop.Notifications,member=Notify" >"$NOTIFY_LOG" 2>&1 &
      helpers+=($!)
    fi
    trap "kill ${helpers[*]} 2>/dev/null || true" EXIT
    for _ in $(seq 1 100); do
      curl -fs http://127.0.0.1:4444/status 2>/dev/null | grep -q "\"ready\":true" && break
      sleep 0.2
    done
    "$@"
  ' with_tauri_driver "$@"
}

# Runs "$@" in a private D-Bus session with an unlocked gnome-keyring: the real Secret Service,
# with a throwaway HOME so nothing touches the user's own keyring.
with_test_keyring() {
  local home
  home="$(mktemp -d)"
  mkdir -p "$home/run" && chmod 700 "$home/run"
  # rustup and cargo find their homes through HOME unless told: keep the real ones.
  RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
  HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_RUNTIME_DIR="$home/run" \
    dbus-run-session -- bash -c '
      echo -n vagt-test | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
      exec "$@"' vagt-keyring "$@"
  local rc=$?
  rm -rf "$home"
  return $rc
}
