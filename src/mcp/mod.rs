//! pausegate for AI agents, through the Model Context Protocol: an agent
//! about to call a tool that deletes, pays, deploys or emails asks
//! `request_approval`, and people decide as for any pause (a policy first,
//! then the approvers, with personal links, quorum and a signed receipt).
//!
//! - [`jsonrpc`]: the message layer and its error codes.
//! - `server`: the protocol's own methods, for clients of the handshake
//!   revisions (2024-11-05 to 2025-11-25) and of 2026-07-28's per-request
//!   envelope alike, with nothing kept between messages.
//! - `approvals` and `calls`: the tools and what they do; `task`: a pause
//!   as a task of the Tasks extension (the task id is the pause id);
//!   `listen`: task status notifications on a `subscriptions/listen` stream.
//! - [`bridge`]: `pausegate mcp`, the same tools over stdio for desktop
//!   clients, relayed to a pausegate server.
//! - [`gate`]: `pausegate mcp-gate`, a gateway in front of another MCP
//!   server that holds the calls of the tools it guards until approved.
//!
//! The HTTP face (`POST /mcp`, Streamable HTTP) is `http::mcp`.
//!
//! Specifications followed (each module cites its part):
//! <https://modelcontextprotocol.io/specification/2025-11-25>,
//! <https://modelcontextprotocol.io/specification/2026-07-28>, and the
//! Tasks extension, <https://github.com/modelcontextprotocol/ext-tasks>
//! (`specification/draft/tasks.md`, SEP-2663). No MCP crate is used:
//! what is needed is a handful of methods whose answers come from the
//! database, for both protocol eras and the Tasks extension's draft
//! shapes at once, and an SDK's session and task machinery would sit
//! unused beside it; the message layer is about a hundred lines, each
//! shape checked against the specification text its module cites.

mod approvals;
pub mod bridge;
mod calls;
pub mod gate;
pub mod jsonrpc;
mod listen;
mod server;
mod task;

pub use server::{Headers, McpServer, Reply};
