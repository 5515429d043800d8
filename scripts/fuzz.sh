#!/usr/bin/env bash
# Runs every cargo-fuzz target of crates/vagt-fhir/fuzz for a bounded time (SECONDS per target,
# default 60) on the corpora kept in the repository, and fails on the first crash (libFuzzer
# saves the input in crates/vagt-fhir/fuzz/artifacts/). Installs cargo-fuzz when missing.
# The machine has the stable toolchain only; RUSTC_BOOTSTRAP lets cargo-fuzz use the
# sanitizer flags it needs.
#   scripts/fuzz.sh [SECONDS] [TARGET ...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO/crates/vagt-fhir/fuzz"
seconds="${1:-60}"
shift || true
if ! command -v cargo-fuzz >/dev/null && [ ! -x "$TOOLS/bin/cargo-fuzz" ]; then
  say "installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet --root "$TOOLS"
fi
export PATH="$TOOLS/bin:$PATH" RUSTC_BOOTSTRAP=1
# The fuzz build keeps its own target dir: its flags differ from the project's build.
export CARGO_TARGET_DIR="$TARGET/fuzz"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
  # All built in one cargo run, which links them side by side; each run below finds its own
  # built.
  say "building the ${#targets[@]} fuzz targets"
  if ! out="$(cargo fuzz build 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "the fuzz targets did not build"
  fi
fi
for target in "${targets[@]}"; do
  say "fuzzing $target for ${seconds}s"
  # The corpus grows in a scratch copy; the repository keeps its small seed corpus.
  work="$(mktemp -d)"
  cp -r "corpus/$target/." "$work/"
  cargo fuzz run "$target" "$work" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len=262144 -print_final_stats=1 2>&1 | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|==|SUMMARY|.*panicked)" || true
  status=${PIPESTATUS[0]}
  rm -rf "$work"
  [ "$status" -eq 0 ] || die "fuzz target $target crashed; the input is in crates/vagt-fhir/fuzz/artifacts/$target/"
done
say "every target ran ${seconds}s without a crash"
