#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) from the committed corpus
# (fuzz/corpus/TARGET); new inputs go to a scratch folder, so the clone is
# left as it was. Fails on any crash, panic or leak libFuzzer finds.
#
#   bash .ci/fuzz.sh [SECONDS]
#
# cargo-fuzz is installed once under $PAUSEGATE_CI_CACHE/bin. libFuzzer
# needs unstable compiler flags; RUSTC_BOOTSTRAP lets the one stable
# toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
cache="${PAUSEGATE_CI_CACHE:-$HOME/.cache/pausegate-ci}"
if [ ! -x "$cache/bin/cargo-fuzz" ]; then
  cargo install --locked cargo-fuzz --version 0.13.2 --root "$cache"
fi
export RUSTC_BOOTSTRAP=1
# Instrumented builds of the dependencies are kept between runs.
target_dir="$cache/fuzz-target"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd fuzz
"$cache/bin/cargo-fuzz" build -O --target-dir "$target_dir"
for target in $("$cache/bin/cargo-fuzz" list); do
  echo "== fuzz $target for ${seconds}s"
  mkdir -p "$scratch/$target"
  "$cache/bin/cargo-fuzz" run -O --target-dir "$target_dir" "$target" \
    "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -n 12
done
