# Sourced by bench/run.sh: the MCP figures. `request_approval` over
# Streamable HTTP (POST /mcp, the 2026-07-28 envelope, the Tasks extension
# declared, so each call makes a pause and answers a task) against the
# REST create on the same server in the same run; and the gateway's added
# latency on an unguarded call: one client calling `read_file` of the
# tests' own upstream MCP server (the Python SDK) over stdio, directly and
# through `pausegate mcp-gate`, one call at a time.

echo "== MCP: request_approval over Streamable HTTP, the gateway's added latency"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"request_approval","arguments":{"title":"Load 2026-11-23 sales?","data":{"run_date":"2026-11-23","rows":12345}},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}}}' >"$WORK/mcp.json"
cat >"$WORK/mcp.lua" <<LUA
wrk.method = "POST"
local body = io.open("$WORK/mcp.json")
wrk.body = body:read("*l")
body:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "request_approval"
LUA
start "sqlite://$WORK/mcp.db"
wrk_run /api/v1/pauses "$WORK/create.lua"; record mcp_rest_create "$RPS"
wrk_run /mcp "$WORK/mcp.lua"; record mcp_request_approval "$RPS"
record mcp_request_approval_errors "$ERRORS"
answer=$(curl -s "$URL/mcp" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: request_approval' \
  --data @"$WORK/mcp.json")
[ "$(json "$answer" "['result']['resultType']")" = task ] || { echo "request_approval did not answer a task: $answer"; exit 1; }

MCP_VENV=${PAUSEGATE_BENCH_CACHE:-$HOME/.cache/pausegate-bench}/mcp-venv
if ! "$MCP_VENV/bin/python" -c 'import mcp' 2>/dev/null; then
  echo "   installing the MCP Python SDK into $MCP_VENV"
  python3 -m venv "$MCP_VENV" && "$MCP_VENV/bin/pip" install -q mcp
fi
UPSTREAM="[\"$MCP_VENV/bin/python\", \"$ROOT/tests/standins/mcp_upstream.py\"]"
printf 'name = "files"\n[upstream]\ncommand = %s\n[guard]\ntools = ["delete_*"]\n' "$UPSTREAM" >"$WORK/gate.toml"
call=(--calls 500 --tool read_file --arguments '{"path": "/srv/a"}' --)
direct=$(UPSTREAM_LOG=/dev/null "$TOOL" mcp-latency "${call[@]}" "$MCP_VENV/bin/python" "$ROOT/tests/standins/mcp_upstream.py")
gated=$(UPSTREAM_LOG=/dev/null PAUSEGATE_URL=$URL PAUSEGATE_API_KEY=$KEY \
  "$TOOL" mcp-latency "${call[@]}" "$BIN" mcp-gate --config "$WORK/gate.toml")
stop
record mcp_direct_p50_ms "$(json "$direct" "['p50_ms']")"
record mcp_direct_p99_ms "$(json "$direct" "['p99_ms']")"
record mcp_gate_p50_ms "$(json "$gated" "['p50_ms']")"
record mcp_gate_p99_ms "$(json "$gated" "['p99_ms']")"
