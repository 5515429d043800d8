#!/usr/bin/env bash
# Every test of Vagt, from a fresh Debian/Ubuntu machine: installs what is missing, then runs
# formatting and lint checks, the UI's unit tests, all Rust tests (the keyring ones against the
# real Secret Service), a bounded fuzzing of the FHIR parsers, and end-to-end tests of the real
# app window under Xvfb.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO"

ensure_apt $BUILD_PACKAGES $TEST_PACKAGES
ensure_toolchains
ensure_ui_packages
ensure_fhir_test_server
build_ui

passed=0
suite() { say "$1"; shift; "$@"; passed=$((passed + 1)); }

suite "UI unit tests" bash -c 'cd ui && npm test --silent'
suite "cargo fmt --check" cargo fmt --all --check
suite "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
suite "Rust tests (real SQLCipher files, real Secret Service, Medplum's FHIR server)" \
  with_test_keyring env VAGT_REQUIRE_KEYRING=1 VAGT_REQUIRE_MEDPLUM=1 cargo test --workspace --quiet
suite "fuzzing every FHIR parser and mapper (10 s a target)" bash "$REPO/scripts/fuzz.sh" 10
ensure_tauri_driver
suite "end-to-end: the real app window under Xvfb" \
  with_test_keyring bash "$REPO/scripts/e2e.sh"

say "done"
printf 'suites: %d passed, 0 failed\n' "$passed"
