"""A small MCP server of the tests' own (official MCP Python SDK), for
pausegate's gateway to front: `read_file` and `delete_file`, each call
appended to the file named by UPSTREAM_LOG as one JSON line, so a test
sees every call that reached it. Runs over stdio, or over Streamable HTTP
at http://127.0.0.1:UPSTREAM_PORT/mcp when UPSTREAM_PORT is set."""

import json
import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("files")


def record(tool: str, arguments: dict) -> None:
    with open(os.environ["UPSTREAM_LOG"], "a") as log:
        log.write(json.dumps({"tool": tool, "arguments": arguments}) + "\n")


@server.tool()
def read_file(path: str) -> str:
    """Reads a file."""
    record("read_file", {"path": path})
    return f"contents of {path}"


@server.tool()
def delete_file(path: str, recursive: bool = False) -> str:
    """Deletes a file."""
    record("delete_file", {"path": path, "recursive": recursive})
    return f"deleted {path}"


if __name__ == "__main__":
    if "UPSTREAM_PORT" in os.environ:
        server.run("streamable-http", host="127.0.0.1", port=int(os.environ["UPSTREAM_PORT"]))
    else:
        server.run("stdio")
