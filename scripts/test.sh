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
ensure_tauri_driver
build_ui

passed=0
suite() { say "$1"; shift; "$@"; passed=$((passed + 1)); }

suite "UI unit tests" bash -c 'cd ui && npm test --silent'
suite "cargo fmt --check" cargo fmt --all --check
# Clippy lints the workspace while every target is built for the tests: the driver `cargo clippy`
# runs, with its -D warnings, as the workspace's compiler. A separate `cargo clippy` checked all
# ~750 dependencies a second time: on a 2-core machine, lint then build took about 30 minutes of
# a clean run, lint while building 25.
# Exported, so the tests and the end-to-end build reuse what was built here.
export RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
suite "clippy, building every target (-D warnings)" cargo test --workspace --all-targets --no-run --quiet
suite "Rust tests (real SQLCipher files, real Secret Service, Medplum's FHIR server)" \
  with_test_keyring env VAGT_REQUIRE_KEYRING=1 VAGT_REQUIRE_MEDPLUM=1 cargo test --workspace --quiet
# The fuzz targets are a workspace of their own, built with their own flags: not linted.
suite "fuzzing every FHIR parser and mapper (10 s a target)" \
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS bash "$REPO/scripts/fuzz.sh" 10
suite "end-to-end: the real app window under Xvfb" \
  with_test_keyring bash "$REPO/scripts/e2e.sh"

say "done"
printf 'suites: %d passed, 0 failed\n' "$passed"
