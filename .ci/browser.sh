#!/usr/bin/env bash
# Browser test kit check: makes sure Debian's chromium and the pinned npm
# packages of tests/browser (oidc-provider, playwright-core) are present, then
# runs tests/browser/smoke.mjs (a real OIDC provider, a hand-written relying
# party and tests/browser/sign_in_and_inbox.mjs, all in chromium).
#
# Usage: bash .ci/browser.sh
#
# Playwright cannot download its own browsers here, so chromium comes from
# apt (/usr/bin/chromium) and playwright-core drives it via executablePath.
# node_modules is installed with `npm ci` into a cache outside the clone,
# keyed by the sha256 of tests/browser/package-lock.json:
#   ${PAUSEGATE_CI_CACHE:-$HOME/.cache/pausegate-ci}/browser-<sha256>/node_modules
# and tests/browser/node_modules is a symlink to it (ES modules ignore
# NODE_PATH, so a symlink is the way to expose it). A second run reuses the
# cache and needs no network. Idempotent; runs without stdin.
set -euo pipefail
cd "$(dirname "$0")/.."

cache_root="${PAUSEGATE_CI_CACHE:-$HOME/.cache/pausegate-ci}"
step() { echo "== browser: $* [${SECONDS}s]"; }

step "chromium"
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet; update only if needed.
  apt-get install -y -q chromium >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
# The Debian wrapper script prints a harmless shell warning on some machines.
/usr/bin/chromium --version 2>/dev/null

step "node"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "node $(node --version) is too old: oidc-provider 9 needs 20 or later" >&2
  exit 1
fi
node --version

step "npm packages"
lock_hash="$(sha256sum tests/browser/package-lock.json | cut -d' ' -f1)"
cache_dir="$cache_root/browser-$lock_hash"
if [ -f "$cache_dir/.complete" ]; then
  echo "reusing $cache_dir"
else
  # Install beside the final place and rename, so an interrupted run never
  # leaves a half-filled cache that a later run would trust.
  mkdir -p "$cache_root"
  work="$(mktemp -d "$cache_root/browser-tmp.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  cp tests/browser/package.json tests/browser/package-lock.json tests/browser/.npmrc "$work/"
  # No lifecycle scripts are needed (nothing here downloads a browser).
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  touch "$work/.complete"
  rm -rf "$cache_dir"
  mv "$work" "$cache_dir"
  trap - EXIT
  echo "installed into $cache_dir"
fi

link=tests/browser/node_modules
if [ -L "$link" ] || [ ! -e "$link" ]; then
  ln -sfn "$cache_dir/node_modules" "$link"
else
  # A developer's own `npm ci` in tests/browser: leave it alone.
  echo "warning: $link is a real directory, using it instead of the cache" >&2
fi

# `--install-only`: what the Rust browser test runs before it starts.
if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

step "smoke"
node tests/browser/smoke.mjs
step "done"
