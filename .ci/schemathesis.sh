#!/usr/bin/env bash
# Schemathesis (from the package registry) against the running server, on
# SQLite and on PostgreSQL: fails on any 5xx, any answer outside the
# OpenAPI document, and any input the document forbids but the server takes.
#
#   bash .ci/schemathesis.sh [BINARY]     (default target/release/pausegate)
#
# `positive_data_acceptance` is left out: what the server refuses also
# depends on its configuration and on other fields (configured targets and
# channels, the longest expiry, a body key differing from the header), which
# a JSON Schema cannot say. `/wait` is left out: it holds each request up to
# 30 s by design; tests/api/hostile.rs covers its parameters. One worker
# (`-w 1`): with two threads, the Python the machine has (3.11.7) now and
# then fails inside `ast.parse` ("AST constructor recursion depth
# mismatch") while Hypothesis describes a filter, a fault of the
# interpreter, not of the server.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/release/pausegate}"
cache="${PAUSEGATE_CI_CACHE:-$HOME/.cache/pausegate-ci}"
venv="$cache/venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis==4.32.5'
fi
postgres="${PAUSEGATE_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
work="$(mktemp -d)"
database="pausegate_schemathesis_$$"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  psql "$postgres" -qc "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

run_against() {
  local name="$1" url="$2" port="$3"
  echo "== schemathesis on $name"
  PAUSEGATE_API_KEY=schemathesis-key "$binary" serve --listen "127.0.0.1:$port" \
    --database-url "$url" >"$work/$name.log" 2>&1 &
  server=$!
  "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" \
    --wait-for-schema 30 -H "Authorization: Bearer schemathesis-key" \
    --checks all --exclude-checks positive_data_acceptance \
    --exclude-path-regex '/wait$' \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-150}" --seed "${SCHEMATHESIS_SEED:-1}" -w 1 \
    --report junit --report-dir "$work/report-$name" ||
    { tail -n 50 "$work/$name.log"; return 1; }
  if grep -q ' status=5' "$work/$name.log"; then
    echo "the server logged a 5xx:"; grep ' status=5' "$work/$name.log" | head
    return 1
  fi
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

run_against sqlite "sqlite://$work/schemathesis.db" 18181
psql "$postgres" -qc "CREATE DATABASE $database" >/dev/null
run_against postgres "${postgres%/*}/$database" 18182
