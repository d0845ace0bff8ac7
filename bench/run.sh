#!/usr/bin/env bash
# Measures pausegate on this machine, in one run, and writes BENCHMARKS.md.
# Every speed is also given as a ratio of GET /healthz measured in the same
# run (the floor: what the HTTP stack alone can do here), so figures from
# different machines compare.
#
#   bash bench/run.sh            # about 6 minutes on 2 cores
#   BENCH_SECONDS=5 bash bench/run.sh
#   BENCH_ONLY=postgres bash bench/run.sh   # the PostgreSQL figures alone
#   BENCH_ONLY=mcp bash bench/run.sh        # the MCP figures alone
#
# Needs: cargo, wrk (installed with apt-get if missing), and for the
# PostgreSQL figures a server at $BENCH_POSTGRES (default
# postgres://postgres@127.0.0.1:5432) with pgbench beside psql.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_EACH=${BENCH_SECONDS:-10}
PG=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
CONNECTIONS=32
KEY=bench-key

if ! command -v wrk >/dev/null; then
  echo "== installing wrk"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
echo "== building"
cargo build --release --quiet --bin pausegate --example bench-tool
BIN=$ROOT/target/release/pausegate
TOOL=$ROOT/target/release/examples/bench-tool
WORK=$(mktemp -d)
RESULTS=$WORK/results
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
PORT=18180
SINK=127.0.0.1:18199
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$WORK"' EXIT

# record NAME VALUE: one figure for the report.
record() { echo "$1=$2" >>"$RESULTS"; echo "   $1 = $2"; }
value() { grep "^$1=" "$RESULTS" | tail -n 1 | cut -d= -f2-; }
json() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$1"; }

# start DATABASE_URL [CONFIG]: a server on $PORT (logging to $LOG); sets
# SERVER and URL.
start() {
  local config=${2:-} log=${LOG:-$WORK/server.log}
  local args=(serve --listen "127.0.0.1:$PORT" --database-url "$1")
  if [ -n "$config" ]; then printf '%s\n' "$config" >"$WORK/config.$PORT.toml"; args+=(--config "$WORK/config.$PORT.toml"); fi
  PAUSEGATE_API_KEY=$KEY RUST_LOG=warn,pausegate=info "$BIN" "${args[@]}" >"$log" 2>&1 &
  SERVER=$!
  URL=http://127.0.0.1:$PORT
  for _ in $(seq 1 200); do curl -sf "$URL/readyz" >/dev/null && return 0; sleep 0.05; done
  echo "the server did not start:"; tail -n 20 "$log"; exit 1
}
stop() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }

# wrk_run PATH [SCRIPT]: sets RPS (requests/s), P99 (ms) and ERRORS
# (answers other than 2xx or 3xx).
wrk_run() {
  local path=$1 script=${2:-}
  local args=(-t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency)
  [ -n "$script" ] && args+=(-s "$script")
  wrk "${args[@]}" "$URL$path" >"$WORK/wrk.out" 2>&1
  P99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$WORK/wrk.out")
  ERRORS=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk.out"); ERRORS=${ERRORS:-0}
  RPS=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.out")
}

cat >"$WORK/create.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"title": "Load 2026-11-23 sales?", "data": {"run_date": "2026-11-23", "rows": 12345}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
LUA
# decide_lua TOKENS OUT: a wrk script in which each of its two threads
# decides its own share of the tokens in TOKENS, each once.
decide_lua() {
  cat >"$2" <<LUA
local counter = 1
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  tokens = {}
  local i = 0
  for line in io.lines("$1") do
    if i % 2 == tid then table.insert(tokens, line:match(" (.+)")) end
    i = i + 1
  end
end
function request()
  local token = tokens[counter]
  counter = counter + 1
  return wrk.format("POST", "/r/" .. token, {["Content-Type"] = "application/x-www-form-urlencoded"}, "decision=approve")
end
LUA
}
decide_lua "$WORK/tokens.txt" "$WORK/decide.lua"

echo "== machine"
MACHINE="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "   $MACHINE"

if [ "${BENCH_ONLY:-all}" = all ]; then
echo "== SQLite: floor, create, decide"
start "sqlite://$WORK/a.db"
wrk_run /healthz; record floor "$RPS"
wrk_run /api/v1/pauses "$WORK/create.lua"; record sqlite_create "$RPS"
stop
start "sqlite://$WORK/b.db"; stop
"$TOOL" fill --database-url "sqlite://$WORK/b.db" --pending 150000 --prefix dec --tokens-out "$WORK/tokens.txt" >/dev/null
start "sqlite://$WORK/b.db"
wrk_run /r "$WORK/decide.lua"; record sqlite_decide "$RPS"
record sqlite_decide_errors "$ERRORS"
stop

echo "== SQLite at scale: 1,000 against 1,000,000 pending pauses"
echo 'wrk.headers["Authorization"] = "Bearer bench-key"' >"$WORK/list.lua"
# sum_log FIELD: the sum of FIELD=N over the sweep's log lines.
sum_log() { grep 'settled expired pauses' "$WORK/server.log" | grep -o "$1=[0-9]*" | awk -F= '{s += $2} END {print s + 0}'; }
for size in 1000 1000000; do
  db=sqlite://$WORK/scale$size.db
  start "$db"; stop
  deep=$("$TOOL" fill --database-url "$db" --pending "$size" --prefix fill)
  deep=$(json "$deep" "['deep_cursor']")
  "$TOOL" fill --database-url "$db" --pending 1000 --prefix dec --tokens-out "$WORK/tokens.txt" >/dev/null
  start "$db"
  out=$("$TOOL" decide --url "$URL" --tokens "$WORK/tokens.txt" --count 1000)
  record "decide_p99_ms_$size" "$(json "$out" "['p99_ms']")"
  wrk_run "/api/v1/pauses?limit=50" "$WORK/list.lua"
  record "list_first_rps_$size" "$RPS"; record "list_first_p99_ms_$size" "$P99"
  wrk_run "/api/v1/pauses?limit=50&cursor=$deep" "$WORK/list.lua"
  record "list_deep_rps_$size" "$RPS"; record "list_deep_p99_ms_$size" "$P99"
  # Ten thousand pauses expiring together; the sweep logs how long they took.
  "$TOOL" fill --database-url "$db" --pending 10000 --prefix exp --expires-in-ms 1500 >/dev/null
  sleep 4
  record "expire_10k_ms_$size" "$(sum_log ms)"
  record "expire_10k_count_$size" "$(sum_log settled)"
  record "rss_mb_$size" "$(rss)"
  stop
  out=$("$TOOL" startup --binary "$BIN" --database-url "$db")
  record "idle_cpu_percent_$size" "$(json "$out" "['idle_cpu_percent']")"
done

echo "== start-up and idle, fresh database"
out=$("$TOOL" startup --binary "$BIN" --database-url "sqlite://$WORK/fresh.db")
record ready_ms "$(json "$out" "['ready_ms']")"
record idle_rss_mb "$(json "$out" "['idle_rss_mb']")"

echo "== 10,000 long polls"
db=sqlite://$WORK/wait.db
start "$db"; stop
"$TOOL" fill --database-url "$db" --pending 14000 --prefix w --tokens-out "$WORK/wait.txt" >/dev/null
start "$db"
out=$("$TOOL" waiters --url "$URL" --key "$KEY" --tokens "$WORK/wait.txt" --waiters 10000 --baseline 2000 --pid "$SERVER")
stop
record waiters_rss_mb "$(json "$out" "['rss_waiting_mb']")"
record waiters_rss_after_mb "$(json "$out" "['rss_after_mb']")"
record wake_p99_ms "$(json "$out" "['wake']['p99_ms']")"
record wake_max_ms "$(json "$out" "['wake']['max_ms']")"
record decision_cpu_us_without "$(json "$out" "['decision_cpu_us_without']")"
record decision_cpu_us_with "$(json "$out" "['decision_cpu_us_with']")"

echo "== webhook deliveries"
HOOK="[targets.hook]
kind = \"webhook\"
url = \"http://$SINK/hook\""
sink() { "$TOOL" sink --listen "$SINK" >/dev/null & SINK_PID=$!; sleep 0.3; }
sink_stats() { curl -s "http://$SINK/stats"; }
db=sqlite://$WORK/hook.db
start "$db" "$HOOK"; stop
"$TOOL" fill --database-url "$db" --approved 20000 --prefix h >/dev/null
sink
start "$db" "$HOOK"
for _ in $(seq 1 120); do
  [ "$(json "$(sink_stats)" "['distinct']")" -ge 20000 ] && break; sleep 0.5
done
stats=$(sink_stats)
stop; kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
record deliveries_per_second "$(json "$stats" "['received'] / max($(json "$stats" "['span_seconds']"), 0.001)" | cut -d. -f1)"
record deliveries_duplicates "$(json "$stats" "['duplicates']")"
record deliveries_received "$(json "$stats" "['distinct']")"
db=sqlite://$WORK/hook2.db
start "$db" "$HOOK"; stop
"$TOOL" fill --database-url "$db" --pending 150000 --with-target --prefix dh --tokens-out "$WORK/tokens.txt" >/dev/null
sink
start "$db" "$HOOK"
wrk_run /r "$WORK/decide.lua"; record decide_with_deliveries "$RPS"
stats=$(sink_stats)
stop; kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
record deliveries_during_decisions "$(json "$stats" "['received'] / max($(json "$stats" "['span_seconds']"), 0.001)" | cut -d. -f1)"
record deliveries_during_duplicates "$(json "$stats" "['duplicates']")"

fi

if [ "${BENCH_ONLY:-all}" = all ] || [ "${BENCH_ONLY:-}" = mcp ]; then
. "$ROOT/bench/mcp.sh"
fi

# The PostgreSQL figures, beside pgbench on the same server.
if [ "${BENCH_ONLY:-all}" = all ] || [ "${BENCH_ONLY:-}" = postgres ]; then
. "$ROOT/bench/postgres.sh"
fi

echo "== writing BENCHMARKS.md"
# The raw figures stay beside the report, so it can be written again
# (python3 bench/report.py bench/results.txt …) without measuring again.
COMMAND="BENCH_SECONDS=$SECONDS_EACH bash bench/run.sh"
if [ "${BENCH_ONLY:-all}" != all ] && [ -f "$ROOT/bench/results.txt" ]; then
  # A partial run keeps the figures it did not measure, and says so.
  COMMAND="$(sed -n 's/^# command=//p' "$ROOT/bench/results.txt"); then BENCH_ONLY=$BENCH_ONLY $COMMAND"
  grep -v '^#' "$ROOT/bench/results.txt" | while IFS= read -r line; do
    grep -q "^${line%%=*}=" "$RESULTS" || echo "$line"
  done >>"$RESULTS"
fi
{ echo "# machine=$MACHINE"; echo "# command=$COMMAND"; cat "$RESULTS"; } >"$ROOT/bench/results.txt"
python3 "$ROOT/bench/report.py" "$ROOT/bench/results.txt" >"$ROOT/BENCHMARKS.md"
echo "   done: BENCHMARKS.md"
