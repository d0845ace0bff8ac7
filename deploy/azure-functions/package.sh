#!/usr/bin/env bash
# Assembles the folder `func azure functionapp publish` uploads: host.json,
# the two functions and a Linux x86-64 pausegate binary built from this
# repository. Usage: deploy/azure-functions/package.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$here/../.."
out="${1:-$repo/target/azure-functions}"
cargo build --release --locked --manifest-path "$repo/Cargo.toml"
rm -rf "$out"
mkdir -p "$out"
cp "$here/host.json" "$out/"
cp -r "$here/http" "$here/sweep" "$out/"
cp "$repo/target/release/pausegate" "$out/pausegate"
echo "$out is ready: cd $out && func azure functionapp publish <APP_NAME>"
