#!/usr/bin/env bash
# Python packaging check: builds the `pausegate` wheel (the binary, via
# maturin `bindings = "bin"`) and the pure-Python `pausegate-airflow` wheel,
# installs the first into a fresh virtualenv and runs the binary from there,
# then runs examples/airflow/deferrable_dag.py with a real Airflow against a
# real server from that wheel: once approved, once rejected, plus the
# trigger riding out a server restart and the operator's retries
# (python/ci/airflow_e2e.py).
#
# Usage: bash .ci/python.sh [RELEASE_BINARY]
#   RELEASE_BINARY (optional, e.g. target/release/pausegate): a binary built
#   by cargo; the wheel's binary must report the same version.
#
# Installs are cached outside the clone, keyed by pinned version, so a
# second run reuses them: maturin in $cache/maturin-<version>, Airflow in
# $cache/airflow-<version>. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

MATURIN_VERSION=1.16.0
# The newest Airflow 3 release; pip resolves it on Python 3.11 without a
# constraints file.
AIRFLOW_VERSION=3.3.2

cache="${PAUSEGATE_CI_CACHE:-$HOME/.cache/pausegate-ci}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
release_binary="${1:-}"
quiet_pip=(--quiet --disable-pip-version-check --no-input)

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
step() { echo "== $* [${SECONDS}s]"; }
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; echo "python: $passed passed, 1 failed"; exit 1; }
# Runs a command with its output in a log; shows the log's tail on failure.
logged() {
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 80 "$log"
    fail "$* (full log above)"
  fi
}

step "python: $("$python" --version) at $python; cache $cache"
version="$("$python" -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["package"]["version"])')"
echo "Cargo.toml version: $version"

step "maturin $MATURIN_VERSION"
maturin_venv="$cache/maturin-$MATURIN_VERSION"
if [ -x "$maturin_venv/bin/maturin" ]; then
  echo "reusing $maturin_venv"
else
  rm -rf "$maturin_venv"
  "$python" -m venv "$maturin_venv"
  "$maturin_venv/bin/pip" install "${quiet_pip[@]}" "maturin==$MATURIN_VERSION"
fi
"$maturin_venv/bin/maturin" --version

step "maturin build --release --target-dir target (the pausegate wheel)"
dist="$work/dist"
logged "$work/maturin.log" "$maturin_venv/bin/maturin" build --release --target-dir target --out "$dist"
grep -E 'Built wheel|[Ww]arning' "$work/maturin.log" || true

step "pip wheel python/pausegate-airflow (the operator wheel)"
logged "$work/operator-wheel.log" "$maturin_venv/bin/pip" wheel "${quiet_pip[@]}" --no-deps -w "$dist" python/pausegate-airflow
ls -1 "$dist"

shopt -s nullglob
binary_wheels=("$dist"/pausegate-"$version"-*.whl)
operator_wheels=("$dist"/pausegate_airflow-"$version"-py3-none-any.whl)
shopt -u nullglob
[ "${#binary_wheels[@]}" -eq 1 ] || fail "expected one pausegate-$version wheel in $dist"
[ "${#operator_wheels[@]}" -eq 1 ] ||
  fail "expected pausegate_airflow-$version (pausegate_airflow/__init__.py's __version__ must match Cargo.toml)"
binary_wheel="${binary_wheels[0]}"
operator_wheel="${operator_wheels[0]}"
ok "wheels carry the Cargo.toml version $version"

step "fresh venv: pip install $(basename "$binary_wheel"); pausegate --version"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install "${quiet_pip[@]}" --no-index "$binary_wheel"
on_path="$(PATH="$work/venv/bin:$PATH" command -v pausegate)"
[ "$on_path" = "$work/venv/bin/pausegate" ] || fail "pausegate on PATH is $on_path, not the venv's"
reported="$("$on_path" --version)"
echo "$reported"
[ "$reported" = "pausegate $version" ] || fail "pausegate --version said '$reported', expected 'pausegate $version'"
if [ -n "$release_binary" ]; then
  cargo_reported="$("$release_binary" --version)"
  [ "$reported" = "$cargo_reported" ] || fail "wheel says '$reported', $release_binary says '$cargo_reported'"
fi
ok "pip puts pausegate on PATH, reporting $version"

step "Airflow $AIRFLOW_VERSION"
airflow_venv="$cache/airflow-$AIRFLOW_VERSION"
# The stamp is written last, so an install that died half-way is redone;
# it names the interpreter, so a different Python gets a new venv.
stamp="$airflow_venv/.pausegate-ci-installed"
want_stamp="apache-airflow==$AIRFLOW_VERSION $("$python" --version)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  echo "reusing $airflow_venv"
else
  echo "installing into $airflow_venv (minutes; once)"
  rm -rf "$airflow_venv"
  "$python" -m venv "$airflow_venv"
  logged "$work/airflow-install.log" "$airflow_venv/bin/pip" install "${quiet_pip[@]}" "apache-airflow==$AIRFLOW_VERSION"
  echo "$want_stamp" >"$stamp"
fi
"$airflow_venv/bin/pip" install "${quiet_pip[@]}" --no-deps --force-reinstall "$binary_wheel" "$operator_wheel"
# The operator's only HTTP library must be one Airflow itself requires.
"$airflow_venv/bin/pip" show httpx | grep -q '^Required-by:.*apache-airflow' ||
  fail "httpx is not a dependency of this Airflow"
"$airflow_venv/bin/pip" check >/dev/null || { "$airflow_venv/bin/pip" check; fail "pip check"; }
"$airflow_venv/bin/airflow" version

step "pausegate serve (the wheel's binary) on a free loopback port"
PAUSEGATE_API_KEY="ci-$("$python" -c 'import secrets; print(secrets.token_hex(16))')"
export PAUSEGATE_API_KEY
"$work/venv/bin/pausegate" serve --listen 127.0.0.1:0 --database-url "sqlite://$work/pausegate.db" \
  >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/server.log" | head -n 1)"
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; fail "pausegate serve exited"; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log"; fail "pausegate serve did not listen within 30 s"; }
echo "server at $url"

step "GitHub Action (action.yml): its install step with this wheel (install-path + install-sha256), then its pause step"
# A PATH with no pausegate on it: the action's install step must provide it.
runner_path="$(dirname "$python"):/usr/bin:/bin"
! PATH="$runner_path" command -v pausegate >/dev/null || fail "pausegate is already on $runner_path"
mkdir -p "$work/runner"
action_inputs="$("$python" -c 'import json, sys; print(json.dumps({"url": sys.argv[1], "api-key": sys.argv[2],
  "title": "Asked by the action", "timeout": "1s", "install-path": sys.argv[3], "install-sha256": sys.argv[4]}))' \
  "$url" "$PAUSEGATE_API_KEY" "$binary_wheel" "$(sha256sum "$binary_wheel" | cut -d' ' -f1)")"
action_answer="$(env -u PAUSEGATE_API_KEY PATH="$runner_path" RUNNER_TEMP="$work/runner" \
  "$airflow_venv/bin/python" tests/action/run_action.py "$PWD" "$action_inputs" 2>"$work/action.log")" ||
  { cat "$work/action.log"; fail "the action runner failed"; }
echo "$action_answer"
grep -q "^pausegate $version$" "$work/action.log" || { cat "$work/action.log"; fail "the install step did not run the wheel's pausegate"; }
"$python" -c 'import json, sys
answer = json.loads(sys.argv[1])
assert answer["status"] == 3, answer
assert answer["outputs"]["outcome"] == "timed-out", answer
assert answer["outputs"]["pause-id"].startswith("pau_"), answer' "$action_answer" || fail "unexpected action outputs"
ok "the action installed the checked wheel into RUNNER_TEMP, made its pause and gave up at its timeout"

step "AIRFLOW_HOME with a fresh metadata DB (airflow db migrate)"
export AIRFLOW_HOME="$work/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$AIRFLOW_HOME/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW_CONN_PAUSEGATE_DEFAULT="{\"conn_type\": \"http\", \"host\": \"$url\", \"password\": \"$PAUSEGATE_API_KEY\"}"
mkdir -p "$AIRFLOW__CORE__DAGS_FOLDER"
cp examples/airflow/deferrable_dag.py "$AIRFLOW__CORE__DAGS_FOLDER/"
logged "$work/db-migrate.log" "$airflow_venv/bin/airflow" db migrate
tail -n 1 "$work/db-migrate.log"

e2e=("$airflow_venv/bin/python" python/ci/airflow_e2e.py)
dag_file="$AIRFLOW__CORE__DAGS_FOLDER/deferrable_dag.py"
# Proof that the approval task deferred and waited in its trigger, and that
# no review link (it holds the token) reached Airflow's logs.
check_deferred() {
  local log="$1"
  grep -q 'new_state=deferred' "$log" || fail "approve_load never entered the deferred state"
  grep -q 'running trigger in line' "$log" || fail "dag.test() never ran approve_load's trigger"
  grep -q 'Waiting for pausegate pause' "$log" || fail "PausegateTrigger never logged its wait"
  ! grep -q "$url/r/" "$log" || fail "a review link (with its token) appears in Airflow's log"
}

step "dag.test(): approve while approve_load is deferred"
logged "$work/approve.log" "${e2e[@]}" dag-run --dag-file "$dag_file" --url "$url" \
  --decision approve --actor ana@example.com --logical-date 2026-11-23
grep -E '^(decide|task states|ok):' "$work/approve.log"
check_deferred "$work/approve.log"
ok "approved run: deferred, load_sales ran with the pause's approved state and actor"

step "dag.test(): reject while approve_load is deferred"
logged "$work/reject.log" "${e2e[@]}" dag-run --dag-file "$dag_file" --url "$url" \
  --decision reject --actor bo@example.com --logical-date 2026-11-24
grep -E '^(decide|task states|ok):' "$work/reject.log"
check_deferred "$work/reject.log"
ok "rejected run: deferred, approve_load and load_sales skipped"

step "PausegateTrigger across a server restart (kill -9, start again)"
logged "$work/restart.log" "${e2e[@]}" restart --binary "$work/venv/bin/pausegate" --work-dir "$work"
grep -E '^(restart|ok):' "$work/restart.log"
grep -q 'asking again in' "$work/restart.log" || fail "the trigger never retried during the outage"
ok "the trigger retried through the outage and reported the approval"

step "operator retried: execute() twice for one task"
logged "$work/retry.log" "${e2e[@]}" retry --url "$url"
grep -E '^(retry|ok):' "$work/retry.log"
ok "a retried task returns to its pause (idempotency key); a decided one ends it at once"

echo "python: $passed passed, 0 failed"
