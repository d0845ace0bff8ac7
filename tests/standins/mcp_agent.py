"""An agent's side of pausegate's MCP server, through the official MCP
Python SDK (`mcp`): one step per run, its outcome printed as one JSON line.

    mcp_agent.py TRANSPORT STEP [ARG]

TRANSPORT is `http:URL` (Streamable HTTP; the API key in PAUSEGATE_API_KEY),
`stdio:BINARY` (`BINARY mcp`, which relays to PAUSEGATE_URL) or
`gate:BINARY:CONFIG` (`BINARY mcp-gate --config CONFIG`). STEP is:

- `list`: the tools' names;
- `request ARGS` / `request-tasks ARGS`: `request_approval` with the JSON
  ARGS, without / with the Tasks extension declared; prints the raw result
  (a `CallToolResult`, or the `CreateTaskResult` the extension claims);
- `task ID`: `tasks/get`; `cancel ID`: `tasks/cancel`;
- `get ID SECONDS`: `get_approval` waiting up to SECONDS, with a progress
  callback; prints the result and how many progress notifications came;
- `call NAME ARGS`: any tool, without the Tasks extension; prints the
  result or the JSON-RPC error; `call-progress NAME ARGS` also counts
  progress notifications; `call-tasks NAME ARGS` declares the extension;
- `legacy-list`: the tools' names over the initialize handshake.

The Tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) is not in
the SDK: its requests are sent as its specification writes them, through
the SDK's own request path (which stamps the per-request envelope).
"""

import asyncio
import json
import os
import sys
from typing import Any, Literal

import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.client.extension import ClientExtension, ResultClaim
from mcp.shared.exceptions import MCPError
from pydantic import ConfigDict, Field

TASKS = "io.modelcontextprotocol/tasks"


class CreateTaskResult(types.Result):
    """The extension's `CreateTaskResult` (`resultType: "task"`)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    result_type: Literal["task"] = Field(alias="resultType")
    task_id: str = Field(alias="taskId")
    status: str


class AnyResult(types.Result):
    model_config = ConfigDict(extra="allow")


class TaskRequest(types.Request[dict[str, Any], str]):
    """`tasks/get` or `tasks/cancel`; the task id rides in `Mcp-Name` too."""

    name_param = "taskId"


async def unresolved(result: CreateTaskResult, _ctx: Any) -> types.CallToolResult:
    raise AssertionError("steps read the task themselves")


class Tasks(ClientExtension):
    identifier = TASKS

    def claims(self):
        return [ResultClaim(result_type="task", model=CreateTaskResult, resolve=unresolved)]


def dump(model: Any) -> Any:
    if hasattr(model, "model_dump"):
        return model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return model


def client(transport: str, **kwargs: Any) -> Client:
    kind, _, where = transport.partition(":")
    env = {key: value for key, value in os.environ.items() if key.startswith(("PAUSEGATE_", "UPSTREAM_"))}
    env["PATH"] = os.environ["PATH"]
    if kind == "stdio":
        server: Any = StdioServerParameters(command=where, args=["mcp"], env=env)
        return Client(server, **kwargs)
    if kind == "gate":
        binary, _, config = where.partition(":")
        server = StdioServerParameters(command=binary, args=["mcp-gate", "--config", config], env=env)
        return Client(server, **kwargs)
    headers = {"Authorization": f"Bearer {os.environ['PAUSEGATE_API_KEY']}"}
    import httpx2

    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(90))
    from mcp.client.streamable_http import streamable_http_client

    return Client(streamable_http_client(where, http_client=http), **kwargs)


async def task_method(session: Any, method: str, task_id: str) -> Any:
    request = TaskRequest(method=method, params={"taskId": task_id})
    return dump(await session.send_request(request, AnyResult))


async def run(transport: str, step: str, args: list[str]) -> Any:
    if step == "legacy-list":
        async with client(transport, mode="legacy") as c:
            return {"version": c.protocol_version, "tools": [t.name for t in (await c.list_tools()).tools]}
    plain = step in ("request", "call", "call-progress")
    async with client(transport, extensions=[] if plain else [Tasks()]) as c:
        if step == "list":
            tools = (await c.list_tools()).tools
            return {"version": c.protocol_version, "tools": [t.name for t in tools]}
        if step == "call-tasks":
            return dump(await c.session.call_tool(args[0], json.loads(args[1]), allow_claimed=True))
        if step in ("request", "request-tasks"):
            result = await c.session.call_tool("request_approval", json.loads(args[0]), allow_claimed=True)
            return dump(result)
        if step == "task":
            return await task_method(c.session, "tasks/get", args[0])
        if step == "cancel":
            return await task_method(c.session, "tasks/cancel", args[0])
        if step == "get":
            progress: list[float] = []

            async def seen(value: float, total: float | None, message: str | None) -> None:
                progress.append(value)

            arguments = {"pause_id": args[0], "wait_seconds": int(args[1])}
            result = await c.call_tool("get_approval", arguments, progress_callback=seen)
            return {"result": dump(result), "progress": progress}
        if step == "call":
            return dump(await c.session.call_tool(args[0], json.loads(args[1]), allow_claimed=True))
        if step == "call-progress":
            progress = []

            async def noted(value: float, total: float | None, message: str | None) -> None:
                progress.append(value)

            result = await c.session.call_tool(args[0], json.loads(args[1]), progress_callback=noted)
            return {"result": dump(result), "progress": progress}
    raise SystemExit(f"unknown step {step}")


def first(group: BaseExceptionGroup) -> MCPError:
    """The first MCPError in `group`, however deeply task groups nested it."""
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return first(error)
        return error
    raise AssertionError("empty group")


def main() -> None:
    transport, step, *args = sys.argv[1:]
    try:
        outcome = asyncio.run(run(transport, step, args))
    except* MCPError as group:
        error = first(group)
        outcome = {"error": {"code": error.error.code, "message": error.error.message, "data": error.error.data}}
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
