#!/usr/bin/env bash
# The action's main step: create the pause, wait for its decision, and
# write pause-id, outcome, actor, the signed receipt and the attestation to GITHUB_OUTPUT. The review link is
# never printed: anyone reading the job log could decide with it.
set -uo pipefail

output() { echo "$1=$2" >> "${GITHUB_OUTPUT:?}"; }
# Reads one field of the pause JSON on standard input.
field() { python3 -c 'import json, sys
pause = json.load(sys.stdin)
if sys.argv[1] == "actor":
    decided = [d for d in pause.get("decisions", []) if d.get("decision") in ("approve", "reject")]
    print((decided[-1].get("actor") or "") if decided else "")
else:
    print(pause.get(sys.argv[1]) or "")' "$1"; }

args=(pause --json --title "${INPUT_TITLE:?the title input is required}" --expires-in "$INPUT_EXPIRES_IN")
[ -n "$INPUT_DESCRIPTION" ] && args+=(--description "$INPUT_DESCRIPTION")
[ -n "$INPUT_DATA" ] && args+=(--data "$INPUT_DATA")
[ -n "$INPUT_TARGET" ] && args+=(--target "$INPUT_TARGET")
for address in $(tr ',\n' '  ' <<< "$INPUT_EMAIL"); do args+=(--email "$address"); done
for channel in $(tr ',\n' '  ' <<< "$INPUT_CHANNEL"); do args+=(--channel "$channel"); done
for subject in $(tr ',\n' '  ' <<< "${INPUT_SUBJECTS:-}"); do args+=(--subject "$subject"); done
key="${INPUT_IDEMPOTENCY_KEY:-gh-${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}-${GITHUB_JOB:-job}}"
args+=(--idempotency-key "$key")

# The created pause holds the review token: keep it in a variable, never print it.
if ! created="$(pausegate "${args[@]}")"; then
  output outcome error
  exit 2
fi
id="$(field id <<< "$created")"
output pause-id "$id"
echo "pause $id created; waiting for a decision"

wait_args=(wait "$id" --json)
[ -n "$INPUT_TIMEOUT" ] && wait_args+=(--timeout "$INPUT_TIMEOUT")
settled="$(pausegate "${wait_args[@]}")"
status=$?
case "$status" in
  0 | 1)
    outcome="$(field state <<< "$settled")"
    actor="$(field actor <<< "$settled")"
    output outcome "$outcome"
    output actor "$actor"
    output receipt "$(field receipt <<< "$settled")"
    output attestation "$(pausegate attestation "$id")"
    echo "pause $id: $outcome${actor:+ by $actor}"
    if [ "$status" -eq 1 ] && [ "$INPUT_FAIL_WHEN_NOT_APPROVED" != "false" ]; then exit 1; fi
    exit 0
    ;;
  3)
    output outcome timed-out
    if [ "$INPUT_CANCEL_ON_TIMEOUT" != "false" ]; then
      pausegate cancel "$id" > /dev/null && echo "gave up waiting: pause $id cancelled"
    fi
    exit 3
    ;;
  *)
    output outcome error
    exit "$status"
    ;;
esac
