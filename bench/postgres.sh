# Sourced by bench/run.sh: the PostgreSQL figures, each a ratio of pgbench's
# one-row insert on the same server in the same run. While decisions run,
# a sampler reads pg_stat_activity and pg_locks five times a second, to
# show what the database's backends wait on (a settlement waiting on
# another pause's lock would show as `Lock:transactionid`, the old receipt
# chain as `Lock:advisory`).

DB=$PG/pausegate_bench

# sampler NAME: samples each active backend of the bench database until
# killed: one line per backend, its wait event or `CPU`, and one line
# `lockwait:KIND` per lock it waits for.
sampler() {
  local sql="SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
    WHERE datname = 'pausegate_bench' AND state = 'active' AND pid <> pg_backend_pid()
    UNION ALL SELECT 'lockwait:' || locktype FROM pg_locks l JOIN pg_stat_activity a USING (pid)
    WHERE NOT l.granted AND a.datname = 'pausegate_bench'"
  while :; do psql "$DB" -XAtqc "$sql" 2>/dev/null; echo tick; sleep 0.2; done >"$WORK/samples.$1"
}
# waits NAME: the sampled wait events, most frequent first, as KIND=COUNT
# joined by spaces; the number of samples first.
waits() {
  local file=$WORK/samples.$1
  echo "samples=$(grep -c '^tick$' "$file") $(grep -v '^tick$' "$file" | sort | uniq -c | sort -rn | awk '{printf "%s=%s ", $2, $1}')"
}
# ticks: CPU clock ticks (1/100 s) used so far by the server ($SERVER), by
# the bench database's PostgreSQL backends and by the whole machine, as
# "SERVER BACKENDS MACHINE".
ticks() {
  local backends
  backends=$(for pid in $(pgrep -f "postgres: .*pausegate_bench"); do
    awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}')
  echo "$(awk '{print $14 + $15}' "/proc/${SERVER:-0}/stat" 2>/dev/null || echo 0) $backends \
$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)"
}
# profile NAME BEFORE REQUESTS: records the CPU µs per request the server,
# PostgreSQL's backends and the whole machine (load generator included)
# spent since BEFORE (from ticks). pgbench's backends are gone when it
# ends: for it only the machine's figure counts.
profile() {
  local before=($2) after=($(ticks))
  record "pg_cpu_us_server_$1" "$(( (after[0] - before[0]) * 10000 / $3 ))"
  record "pg_cpu_us_postgres_$1" "$(( (after[1] - before[1]) * 10000 / $3 ))"
  record "pg_cpu_us_machine_$1" "$(( (after[2] - before[2]) * 10000 / $3 ))"
}
# requests: how many requests the last wrk_run made.
requests() { awk '/requests in/ {print $1}' "$WORK/wrk.out"; }

# decide_on NAME TOKENS PORT...: decisions against one server per port at
# once, each taking its share of TOKENS; the summed requests/s.
decide_on() {
  local name=$1 tokens=$2; shift 2
  local count=$# i=0 pids=() sampler_pid
  for port in "$@"; do
    awk -v n="$count" -v i="$i" 'NR % n == i' "$tokens" >"$WORK/tokens.$port"
    decide_lua "$WORK/tokens.$port" "$WORK/decide.$port.lua"
    wrk -t2 -c$((CONNECTIONS / count)) -d"${SECONDS_EACH}s" -s "$WORK/decide.$port.lua" "http://127.0.0.1:$port/r" >"$WORK/wrk.$port" 2>&1 &
    pids+=($!); i=$((i + 1))
  done
  sampler "$name" & sampler_pid=$!
  wait "${pids[@]}"
  kill "$sampler_pid"; wait "$sampler_pid" 2>/dev/null || true
  record "pg_waits_$name" "$(waits "$name")" >&2
  local total=0
  for port in "$@"; do
    total=$((total + $(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.$port")))
    record "pg_errors_${name}_$port" "$(awk '/Non-2xx/ {print $5}' "$WORK/wrk.$port")" >&2
  done
  echo "$total"
}

echo "== PostgreSQL"
if psql "$PG/postgres" -qc "SELECT 1" >/dev/null 2>&1; then
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS pausegate_bench WITH (FORCE)" -c "CREATE DATABASE pausegate_bench" >/dev/null
  psql "$DB" -qc "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, v text)" >/dev/null
  echo "INSERT INTO bench_insert (v) VALUES ('x');" >"$WORK/insert.sql"
  SERVER=0 before=$(ticks)
  pgbench -n -c "$CONNECTIONS" -j 2 -T "$SECONDS_EACH" -f "$WORK/insert.sql" "$DB" >"$WORK/pgbench.out" 2>/dev/null
  record pgbench_insert "$(awk '/^tps/ {printf "%.0f", $3}' "$WORK/pgbench.out")"
  SERVER=0 profile pgbench "$before" "$(awk '/actually processed/ {print $NF}' "$WORK/pgbench.out")"
  start "$DB"
  before=$(ticks)
  wrk_run /api/v1/pauses "$WORK/create.lua"; record pg_create "$RPS"
  profile create "$before" "$(requests)"
  stop
  # A policy that approves every pause as it is created: the create also
  # settles, signs its receipt and starts nothing.
  printf 'package pausegate\n\ndecision := {"outcome": "approve", "reason": "routine"}\n' >"$WORK/approve.rego"
  start "$DB" "[policies.routine]
file = \"$WORK/approve.rego\""
  wrk_run /api/v1/pauses "$WORK/create.lua"; record pg_create_policy "$RPS"
  record pg_create_policy_errors "$ERRORS"
  stop
  "$TOOL" fill --database-url "$DB" --pending 150000 --prefix dec --tokens-out "$WORK/tokens.txt" >/dev/null
  head -n 75000 "$WORK/tokens.txt" >"$WORK/tokens.one"; tail -n +75001 "$WORK/tokens.txt" >"$WORK/tokens.two"
  start "$DB"
  before=$(ticks)
  record pg_decide "$(decide_on one "$WORK/tokens.one" "$PORT")"
  profile decide "$before" "$(awk '/requests in/ {print $1}' "$WORK/wrk.$PORT")"
  stop
  # Two replicas on the same database, the same load split between them.
  start "$DB"; FIRST=$SERVER
  PORT=$((PORT + 1)) LOG=$WORK/server2.log start "$DB"; SECOND=$SERVER
  record pg_decide_two "$(decide_on two "$WORK/tokens.two" "$PORT" "$((PORT + 1))")"
  SERVER=$SECOND stop; SERVER=$FIRST stop
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS pausegate_bench WITH (FORCE)" >/dev/null
else
  echo "   no PostgreSQL at $PG: skipped"
fi
